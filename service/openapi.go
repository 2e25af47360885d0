package service

// openAPIDoc is the OpenAPI 3 document of the API (openapi.json).
var openAPIDoc = []byte(`{}`)
