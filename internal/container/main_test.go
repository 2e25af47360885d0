package container

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/janus-bench/janus/internal/testbin"
)

// The tests run real containers on the local Docker engine. TestMain
// builds, once per test process, the static janus binary and the static
// test program, and from them two FROM scratch images: the reference
// baseline (with the repository's own Dockerfile) and testimg. Both images
// are removed at the end. Where no engine answers and CI is not set, every
// Docker test skips and says why.
var (
	engine       *client.Client
	engineErr    error
	baselineImg  string // tag of the baseline image
	testImg      string // tag of the testimg image
	janusStatic  string // the static janus binary (also run by the kill -9 test)
	setupFailure string
)

func TestMain(m *testing.M) {
	code := func() int {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		engine, engineErr = Connect(ctx)
		if engineErr != nil {
			if os.Getenv("CI") != "" {
				fmt.Fprintln(os.Stderr, "container tests: CI is set but", engineErr)
				return 1
			}
			return m.Run() // each Docker test skips with the reason
		}
		defer engine.Close()
		dir, err := os.MkdirTemp("", "janus-container-test")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		tag := randomTag()
		var cleanup []string
		defer func() {
			for _, img := range cleanup {
				rctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				if _, err := engine.ImageRemove(rctx, img, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
					fmt.Fprintln(os.Stderr, "remove test image:", err)
				}
				cancel()
			}
		}()
		if err := buildImages(ctx, dir, tag, &cleanup); err != nil {
			setupFailure = err.Error()
			fmt.Fprintln(os.Stderr, "container tests: set-up failed:", err)
		}
		return m.Run()
	}()
	os.Exit(code)
}

func randomTag() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%d-%s", os.Getpid(), hex.EncodeToString(b[:]))
}

// buildImages compiles both programs with CGO_ENABLED=0 and builds the
// two images through the engine's build API.
func buildImages(ctx context.Context, dir, tag string, cleanup *[]string) error {
	var err error
	if janusStatic, err = testbin.Janus(ctx, "../..", dir); err != nil {
		return err
	}
	testBin := filepath.Join(dir, "testimg")
	for _, b := range [][2]string{{testBin, "./testdata/testimg"}} {
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", b[0], b[1])
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("static build of %s: %v\n%s", b[1], err, out)
		}
	}
	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		return err
	}
	baselineImg = "janus-test-baseline:" + tag
	if err := buildImage(ctx, baselineImg, map[string]string{"Dockerfile": string(dockerfile)}, map[string]string{"bin/janus": janusStatic}); err != nil {
		return err
	}
	*cleanup = append(*cleanup, baselineImg)
	testImg = "janus-test-testimg:" + tag
	df := "FROM scratch\nCOPY testimg /testimg\nEXPOSE 8080\nENTRYPOINT [\"/testimg\"]\n"
	if err := buildImage(ctx, testImg, map[string]string{"Dockerfile": df}, map[string]string{"testimg": testBin}); err != nil {
		return err
	}
	*cleanup = append(*cleanup, testImg)
	return nil
}

// buildImage sends a tar build context (files given inline and files
// copied from disk) to the engine and waits for the build to finish.
func buildImage(ctx context.Context, tag string, inline, fromDisk map[string]string) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, mode int64, b []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(b)), ModTime: time.Now()}); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	for name, s := range inline {
		if err := add(name, 0o644, []byte(s)); err != nil {
			return err
		}
	}
	for name, path := range fromDisk {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := add(name, 0o755, b); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	res, err := engine.ImageBuild(ctx, &buf, client.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true,
		Labels: map[string]string{"janus.test": "1"}})
	if err != nil {
		return fmt.Errorf("build image %s: %w", tag, err)
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	for {
		var msg struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("build image %s: %w", tag, err)
		}
		if msg.Error != "" {
			return fmt.Errorf("build image %s: %s", tag, msg.Error)
		}
	}
}

// needDocker skips (with the reason) where no engine answers and fails
// where the images could not be built.
func needDocker(t *testing.T) {
	t.Helper()
	if engineErr != nil {
		t.Skipf("no Docker engine: %v", engineErr)
	}
	if setupFailure != "" {
		t.Fatalf("test images not built: %s", setupFailure)
	}
}

// noContainerLeft asserts through the API that no container of the run
// is left, in any state.
func noContainerLeft(t *testing.T, runID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := engine.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", LabelRun+"="+runID)})
	if err != nil {
		t.Fatalf("list containers: %v", err)
	}
	if len(list.Items) > 0 {
		var names []string
		for _, c := range list.Items {
			names = append(names, strings.Join(c.Names, ",")+" ("+string(c.State)+")")
		}
		t.Fatalf("containers of run %s left behind: %s", runID, strings.Join(names, "; "))
	}
}

// testRun returns a fresh run id and asserts at the end of the test that
// none of its containers is left.
func testRun(t *testing.T) string {
	id := "test-" + randomTag()
	t.Cleanup(func() { noContainerLeft(t, id) })
	return id
}

var (
	inspectOpts = client.ContainerInspectOptions{}
	portKey     = network.MustParsePort(ContainerPort)
)
