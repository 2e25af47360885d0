package service

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The served OpenAPI document lists exactly the routes the router has,
// and every documented operation reaches a handler (not the mux's 404 or
// 405).
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s, cl := startServer(t, Config{Store: t.TempDir() + "/j.db", Open: true, PublicRead: true})
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Servers []struct{ URL string }               `json:"servers"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	getJSON(t, cl.Base+"/api/v1/openapi.json", &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Servers) != 1 || doc.Servers[0].URL != apiPrefix {
		t.Fatalf("document: openapi %q, servers %+v", doc.OpenAPI, doc.Servers)
	}
	var documented, routed []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			if op["operationId"] == nil || op["responses"] == nil {
				t.Errorf("%s %s: no operationId or responses", method, path)
			}
		}
	}
	for _, rt := range s.table() {
		routed = append(routed, rt.method+" "+rt.path)
	}
	slices.Sort(documented)
	slices.Sort(routed)
	if !slices.Equal(documented, routed) {
		t.Fatalf("documented %v\nrouted     %v", documented, routed)
	}
	for _, op := range documented {
		method, path, _ := strings.Cut(op, " ")
		path = strings.NewReplacer("{id}", "no-such-run", "{task}", "t").Replace(path)
		req, _ := http.NewRequest(method, cl.Base+apiPrefix+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusMethodNotAllowed || resp.Header.Get("Content-Type") == "text/plain; charset=utf-8" {
			t.Errorf("%s: %d from the mux, not a handler", op, resp.StatusCode)
		}
	}
	var any map[string]any
	if err := json.Unmarshal(openAPIDoc, &any); err != nil {
		t.Fatal(err)
	}
}
