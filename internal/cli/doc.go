// Package cli holds the antibody command's cobra commands and nothing
// else: each command binds its flags, calls one library function and hands
// the result to a renderer. Main maps errors to the documented exit codes;
// nothing below it exits the process.
package cli
