// Package stats holds the statistics janus's reports rest on, as pure
// functions over float64 slices and small typed inputs: percentile
// bootstrap intervals and the stratified bootstrap that feeds them, the
// Wilson interval of a proportion, medians, the Wilcoxon signed-rank
// test, Holm's step-down correction, the sample size a paired test
// needs, Bradley–Terry and Elo ratings and the rank ranges read from
// intervals.
//
// A randomised function takes its *rand.Rand, so the caller's seed picks
// every draw and a seeded run's report is reproducible bit for bit. The
// package imports only the standard library and gonum, so a program that
// wants the statistics alone links nothing else of janus. The package
// examples (Example_pairedComparison, ExampleBradleyTerry) show a paired
// comparison and an arena rating.
package stats
