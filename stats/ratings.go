package stats

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
)

// Match is one pairwise comparison of items A and B (indices into the
// rated items) and A's score in it: 1 a win, 0 a loss, 0.5 a tie.
type Match struct {
	A, B  int
	Score float64
}

// Elo replays matches in the order given with the classic Elo update
// (Elo, The Rating of Chessplayers, 1978): A's expected score is
// 1/(1+10^((Rb−Ra)/400)), and each rating moves by k times the actual
// minus the expected score. The n items start at initial. Elo depends on
// the order of the matches by design; Bradley–Terry does not.
func Elo(n int, matches []Match, k, initial float64) []float64 {
	r := make([]float64, n)
	for i := range r {
		r[i] = initial
	}
	for _, m := range matches {
		ea := 1 / (1 + math.Pow(10, (r[m.B]-r[m.A])/400))
		r[m.A] += k * (m.Score - ea)
		r[m.B] += k * ((1 - m.Score) - (1 - ea))
	}
	return r
}

// EloScale maps a Bradley–Terry log-strength to Elo points, 400/ln 10:
// a difference of 400 is 10:1 odds on either scale.
const EloScale = 400 / math.Ln10

// BTOptions tune BradleyTerry.
type BTOptions struct {
	// Resamples is the number of bootstrap resamples of the matches for
	// the intervals; 0 or less computes none.
	Resamples int
	// Rand draws the resamples; it must be set when Resamples > 0.
	Rand *rand.Rand
	// Ridge is the L2 penalty on log-strengths that keeps the fit finite
	// when an item never lost or never won.
	Ridge float64
}

// BradleyTerry fits the Bradley–Terry model (Bradley & Terry 1952)
// P(i beats j) = 1/(1+exp(βj−βi)) to the matches of n items by maximum
// likelihood: gonum/optimize's Newton method on the summed log-likelihood
// of the pairwise tallies (a tie as half a win each) minus o.Ridge·Σβ².
// The β are centred at 0 and reported on the Elo scale, 1500 +
// EloScale·β. With o.Resamples > 0, ci holds each item's 95% percentile
// interval (PercentileCI) over that many resamples of the matches drawn
// with replacement from o.Rand; each refit starts from the point
// estimate. The result depends on the order of matches only through the
// resamples' draws, so a caller wanting order-free intervals sorts them
// first.
func BradleyTerry(n int, matches []Match, o BTOptions) (ratings []float64, ci [][2]float64, err error) {
	if o.Resamples > 0 && o.Rand == nil {
		return nil, nil, errors.New("bradley-terry: resamples without a random source")
	}
	w := make([]float64, n*n) // w[i*n+j]: wins of i over j (ties as halves)
	tally := func(weight func(k int) float64) {
		clear(w)
		for k, d := range matches {
			c := weight(k)
			if c == 0 {
				continue
			}
			w[d.A*n+d.B] += c * d.Score
			w[d.B*n+d.A] += c * (1 - d.Score)
		}
	}
	tally(func(int) float64 { return 1 })
	beta, err := fitBT(w, n, o.Ridge, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("bradley-terry: %w", err)
	}
	ratings = make([]float64, n)
	for i := range n {
		ratings[i] = 1500 + EloScale*beta[i]
	}
	if o.Resamples <= 0 {
		return ratings, nil, nil
	}
	samples := make([][]float64, n)
	mult := make([]float64, len(matches))
	for range o.Resamples {
		clear(mult)
		for range matches {
			mult[o.Rand.IntN(len(matches))]++
		}
		tally(func(k int) float64 { return mult[k] })
		b, err := fitBT(w, n, o.Ridge, beta)
		if err != nil {
			return nil, nil, fmt.Errorf("bradley-terry bootstrap: %w", err)
		}
		for i := range n {
			samples[i] = append(samples[i], 1500+EloScale*b[i])
		}
	}
	ci = make([][2]float64, n)
	for i := range n {
		ci[i] = PercentileCI(samples[i])
	}
	return ratings, ci, nil
}

// fitBT maximises the Bradley–Terry log-likelihood of the tallies w (n×n)
// minus ridge·Σβ², from start (nil: zeros), and returns β centred at 0.
func fitBT(w []float64, n int, ridge float64, start []float64) ([]float64, error) {
	ps := btPairs(w, n)
	// Each pair term is wij·softplus(−d) + wji·softplus(d) with d = βi−βj;
	// softplus(d) = softplus(−d) + d, so one log1p per pair suffices.
	p := optimize.Problem{
		Func: func(x []float64) float64 {
			f := 0.0
			for _, q := range ps {
				d := x[q.i] - x[q.j]
				f += (q.wij+q.wji)*softplus(-d) + q.wji*d
			}
			for _, v := range x {
				f += ridge * v * v
			}
			return f
		},
		Grad: func(g, x []float64) {
			clear(g)
			for _, q := range ps {
				d := x[q.i] - x[q.j]
				s := sigmoid(d)
				// d/dd of the pair term: −wij·(1−σ) + wji·σ
				gd := -q.wij*(1-s) + q.wji*s
				g[q.i] += gd
				g[q.j] -= gd
			}
			for k, v := range x {
				g[k] += 2 * ridge * v
			}
		},
		// The Hessian is cheap (n ≤ a few hundred) and lets Newton's
		// method converge in a handful of steps instead of BFGS's dozens.
		Hess: func(h *mat.SymDense, x []float64) { btHessian(h, x, ps, n, ridge) },
	}
	x0 := make([]float64, n)
	if start != nil {
		copy(x0, start)
	}
	res, err := optimize.Minimize(p, x0, &optimize.Settings{GradientThreshold: 1e-8}, &optimize.Newton{})
	if err != nil && res == nil {
		return nil, err // BradleyTerry wraps it with the operation

	}
	if res == nil || !finite(res.X) {
		return nil, errors.New("fit did not converge")
	}
	x := res.X
	mean := stat.Mean(x, nil)
	for i := range x {
		x[i] -= mean
	}
	return x, nil
}

// btPair is one pair of items that met, with each one's wins.
type btPair struct {
	i, j     int
	wij, wji float64
}

// btPairs lists the pairs with games once, so each evaluation of the
// likelihood is O(pairs) rather than O(n²).
func btPairs(w []float64, n int) []btPair {
	var ps []btPair
	for i := range n {
		for j := i + 1; j < n; j++ {
			if a, b := w[i*n+j], w[j*n+i]; a+b > 0 {
				ps = append(ps, btPair{i, j, a, b})
			}
		}
	}
	return ps
}

// btHessian sets h to the Hessian of fitBT's objective at x.
func btHessian(h *mat.SymDense, x []float64, ps []btPair, n int, ridge float64) {
	for i := range n {
		for j := i; j < n; j++ {
			h.SetSym(i, j, 0)
		}
		h.SetSym(i, i, 2*ridge)
	}
	for _, q := range ps {
		d := x[q.i] - x[q.j]
		s := sigmoid(d)
		c := (q.wij + q.wji) * s * (1 - s)
		h.SetSym(q.i, q.i, h.At(q.i, q.i)+c)
		h.SetSym(q.j, q.j, h.At(q.j, q.j)+c)
		h.SetSym(q.i, q.j, h.At(q.i, q.j)-c)
	}
}

func finite(x []float64) bool {
	return !slices.ContainsFunc(x, func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) })
}

// sigmoid is the logistic function, computed without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus is log(1+e^x), computed without overflow.
func softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}
