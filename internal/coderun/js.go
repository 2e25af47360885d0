package coderun

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// jsPrelude defines the test helpers as non-writable, non-configurable
// globals before the code runs, so code that declares its own assert fails
// to load instead of silencing the tests. The helpers close over the
// builtins they use, so code that replaces Object.keys or JSON.stringify
// cannot make unequal values compare equal.
const jsPrelude = `(function (g) {
  "use strict";
  var keys = Object.keys, isArray = Array.isArray, getProto = Object.getPrototypeOf;
  var hasOwn = Function.prototype.call.bind(Object.prototype.hasOwnProperty);
  var stringify = JSON.stringify, from = Array.from, JMap = Map, JSet = Set;
  function show(v) {
    try { var s = stringify(v); if (s !== undefined) return s; } catch (e) {}
    return String(v);
  }
  function eq(a, b) {
    if (a === b) return true;
    if (typeof a === "number" && typeof b === "number") return a !== a && b !== b;
    if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
    if (getProto(a) !== getProto(b)) return false;
    if (a instanceof JMap || a instanceof JSet) return eq(from(a), from(b));
    if (isArray(a) && a.length !== b.length) return false;
    var ka = keys(a), kb = keys(b);
    if (ka.length !== kb.length) return false;
    for (var i = 0; i < ka.length; i++) {
      if (!hasOwn(b, ka[i]) || !eq(a[ka[i]], b[ka[i]])) return false;
    }
    return true;
  }
  function def(name, fn) {
    Object.defineProperty(g, name, {value: fn, writable: false, configurable: false, enumerable: false});
  }
  def("assert", function assert(cond, msg) {
    if (!cond) throw new Error(msg === undefined ? "assertion failed" : String(msg));
  });
  def("assertEqual", function assertEqual(actual, expected, msg) {
    if (!eq(actual, expected)) {
      throw new Error((msg === undefined ? "" : String(msg) + ": ") + "got " + show(actual) + ", want " + show(expected));
    }
  });
  def("assertThrows", function assertThrows(fn, msg) {
    var threw = false;
    try { fn(); } catch (e) { threw = true; }
    if (!threw) throw new Error(msg === undefined ? "expected an exception" : String(msg));
  });
  g.module = {exports: {}};
  g.exports = g.module.exports;
})(globalThis);`

// jsLockdown freezes the builtins before the code runs: every standard
// constructor, its prototype, the iterator prototypes, JSON, Math, Reflect
// and console, and makes their global bindings read-only. Code that sets
// Array.prototype[Symbol.iterator] to an empty generator (so a test's
// for-of runs no case), replaces JSON.stringify (so a comparison sees what
// the code wants) or swaps console changes nothing: in sloppy mode the
// write is ignored, in strict mode it throws. Assigning toString, valueOf,
// constructor, name, message or toJSON on one's own objects still works
// (the usual "override mistake" of frozen prototypes is undone for those
// names by a setter that defines the property on the instance).
const jsLockdown = `(function (g) {
  "use strict";
  var freeze = Object.freeze, ownKeys = Reflect.ownKeys, gopd = Object.getOwnPropertyDescriptor;
  var dp = Object.defineProperty, getProto = Object.getPrototypeOf, isFrozen = Object.isFrozen;
  var enable = ["toString", "valueOf", "constructor", "name", "message", "toJSON", "toLocaleString"];
  function enableOverride(proto) {
    enable.forEach(function (k) {
      var d = gopd(proto, k);
      if (!d || !("value" in d)) return;
      var v = d.value;
      dp(proto, k, {configurable: false, enumerable: d.enumerable,
        get: function () { return v; },
        set: function (nv) {
          if (this === proto) throw new TypeError("builtin " + k + " is frozen");
          dp(this, k, {value: nv, writable: true, enumerable: true, configurable: true});
        }});
    });
  }
  var names = ["Object", "Function", "Array", "String", "Number", "Boolean", "Symbol", "BigInt",
    "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError",
    "Map", "Set", "WeakMap", "WeakSet", "Promise", "RegExp", "Date", "JSON", "Math", "Reflect",
    "ArrayBuffer", "DataView", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array",
    "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "Proxy",
    "parseInt", "parseFloat", "isNaN", "isFinite", "encodeURIComponent", "decodeURIComponent",
    "encodeURI", "decodeURI", "console", "undefined", "NaN", "Infinity"];
  [Object.prototype, Error.prototype, Function.prototype].forEach(enableOverride);
  var seen = [];
  function deep(o) {
    if (o === null || (typeof o !== "object" && typeof o !== "function") || seen.indexOf(o) >= 0) return;
    seen.push(o);
    ownKeys(o).forEach(function (k) {
      var d = gopd(o, k);
      if (!d) return;
      if ("value" in d) deep(d.value); else { deep(d.get); deep(d.set); }
    });
    deep(getProto(o));
    if (!isFrozen(o)) freeze(o);
  }
  names.forEach(function (n) { if (n in g) deep(g[n]); });
  [[].values(), new Map().entries(), new Set().values(), ""[Symbol.iterator](), /a/g[Symbol.matchAll]("a"),
   (function* () {})(), (function* () {})].forEach(function (o) { deep(getProto(o)); });
  names.forEach(function (n) {
    var d = gopd(g, n);
    if (d && d.configurable) dp(g, n, {writable: false, configurable: false});
  });
})(globalThis);`

// jsMaxCallStack bounds recursion, so runaway recursion is a RangeError
// rather than a Go stack overflow that takes the child down.
const jsMaxCallStack = 10000

// errJSWall is the value the wall-time interrupt carries.
var errJSWall = errors.New("wall-time limit")

// jsSyntax compiles code without running it.
func jsSyntax(code string) error {
	if _, err := goja.Compile("solution.js", code, false); err != nil {
		return errors.New(oneLine(err.Error(), 200))
	}
	return nil
}

// runJS runs the job's code and then its tests on goja, interrupting the
// VM at the wall limit.
func runJS(j job) outcome {
	vm := goja.New()
	vm.SetMaxCallStackSize(jsMaxCallStack)
	if err := installConsole(vm); err != nil {
		return outcome{Status: StatusError, Reason: "child: console: " + err.Error()}
	}
	if _, err := vm.RunScript("prelude.js", jsPrelude); err != nil {
		return outcome{Status: StatusError, Reason: "child: prelude: " + err.Error()}
	}
	if _, err := vm.RunScript("lockdown.js", jsLockdown); err != nil {
		return outcome{Status: StatusError, Reason: "child: lockdown: " + err.Error()}
	}
	wall := time.Duration(j.WallNs)
	timer := time.AfterFunc(wall, func() { vm.Interrupt(errJSWall) })
	defer timer.Stop()
	if _, err := vm.RunScript("solution.js", j.Code); err != nil {
		return jsOutcome("code", err, wall)
	}
	if _, err := vm.RunScript("tests.js", j.Tests); err != nil {
		return jsOutcome("test", err, wall)
	}
	return outcome{Status: StatusPassed, Reason: "all tests passed"}
}

// jsOutcome turns a script error into an outcome: an interrupt is the wall
// limit, anything else a failure of the code or of a test.
func jsOutcome(stage string, err error, wall time.Duration) outcome {
	var intr *goja.InterruptedError
	if errors.As(err, &intr) {
		return outcome{Status: StatusKilled, Reason: fmt.Sprintf("killed: wall-time limit %s exceeded (interrupted)", fmtDuration(wall))}
	}
	msg := err.Error()
	var exc *goja.Exception
	if errors.As(err, &exc) {
		msg = exc.Value().String() + jsWhere(exc)
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		msg = "stack overflow: " + msg
	}
	if stage == "code" {
		return outcome{Status: StatusFailed, Reason: "code failed to load: " + oneLine(msg, 200)}
	}
	return outcome{Status: StatusFailed, Reason: "test failed: " + oneLine(msg, 200)}
}

// jsWhere names the innermost frame of the exception that is in the code
// or the tests (not in the prelude's helpers): " (tests.js:3:1)".
func jsWhere(exc *goja.Exception) string {
	for _, f := range exc.Stack() {
		if name := f.SrcName(); name == "tests.js" || name == "solution.js" {
			p := f.Position()
			return fmt.Sprintf(" (%s:%d:%d)", name, p.Line, p.Column)
		}
	}
	return ""
}

// installConsole gives scripts console.log and friends, printing to the
// child's stdout (log, info, debug) and stderr (warn, error).
func installConsole(vm *goja.Runtime) error {
	console := vm.NewObject()
	printer := func(w *os.File) func(goja.FunctionCall) goja.Value {
		return func(call goja.FunctionCall) goja.Value {
			parts := make([]string, len(call.Arguments))
			for i, a := range call.Arguments {
				parts[i] = a.String()
			}
			fmt.Fprintln(w, strings.Join(parts, " "))
			return goja.Undefined()
		}
	}
	for name, w := range map[string]*os.File{"log": os.Stdout, "info": os.Stdout, "debug": os.Stdout, "warn": os.Stderr, "error": os.Stderr} {
		if err := console.Set(name, printer(w)); err != nil {
			return err
		}
	}
	return vm.Set("console", console)
}
