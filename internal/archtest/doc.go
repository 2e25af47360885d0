// Package archtest holds the module's architecture rules as tests: the
// layer rule of docs/ARCHITECTURE.md (TestLayerRule) and the function-size
// limits of issue 18 (TestFunctionSize). It has no code of its own; its
// tests read the whole module from the repository root, two levels up,
// and make lint runs them.
package archtest
