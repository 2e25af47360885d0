package service

import _ "embed"

// openAPIDoc is the OpenAPI 3 document of the API, served at
// /api/v1/openapi.json; TestOpenAPIMatchesRoutes keeps it and the router
// in step.
//
//go:embed openapi.json
var openAPIDoc []byte
