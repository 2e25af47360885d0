//go:build !unix

package container

// alive cannot tell on this system, so it says yes: Cleanup then keeps
// the container unless --force, rather than tear down a live run.
func alive(int) bool { return true }
