// Command trajdiff runs trajdiff's experiments from the shell: sampling exact targets, benchmarks, data
// conversion and (as the toolkit grows) training and simulation. Run `trajdiff help` for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand. run receives the arguments after the subcommand's name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv carries the process's streams and environment so that commands are testable without touching
// os.Stdout or os.Getenv.
type cliEnv struct {
	stdout io.Writer
	stderr io.Writer
	// getenv reads an environment variable (os.Getenv in main); nil reads every variable as unset, so
	// tests see no job-array variables of the machine that runs them.
	getenv func(string) string
}

// lookupEnv reads an environment variable through env.getenv ("" when it is nil).
func (env *cliEnv) lookupEnv(name string) string {
	if env.getenv == nil {
		return ""
	}
	return env.getenv(name)
}

// usageError marks errors caused by bad invocation; main exits with status 2 for them.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// commands lists the subcommands. Each lives in its own cmd_*.go file.
func commands() []command {
	cmds := []command{
		quickstartCommand(),
		solveCommand(),
		benchCommand(),
		scheduleCommand(),
		dataCommand(),
		simulateCommand(),
		plotCommand(),
		planCommand(),
		trainCommand(),
		lossCommand(),
		sampleCommand(),
		geometryCommand(),
		pdeCommand(),
		inverseCommand(),
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	return cmds
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &cliEnv{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	limitCPUs(env)
	code := run(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and maps errors to exit codes: 0 success, 1 failure, 2 usage.
func run(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return run(ctx, env, []string{args[1], "--help"})
		}
		printUsage(env.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		var ue *usageError
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(env.stderr, "trajdiff %s: %v\nRun 'trajdiff %s --help' for usage.\n", c.name, err, c.name)
			return 2
		default:
			fmt.Fprintf(env.stderr, "trajdiff %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(env.stderr, "trajdiff: unknown command %q\n\n", args[0])
	printUsage(env.stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: trajdiff <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'trajdiff <command> --help' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting and prints usage with a synopsis.
func newFlagSet(env *cliEnv, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("trajdiff "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: trajdiff %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns flag errors into usage errors (exit 2); --help returns flag.ErrHelp
// after printing usage to stdout.
func parseFlags(fs *flag.FlagSet, env *cliEnv, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(env.stdout)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// wantArgs checks the number of positional arguments left after flag parsing.
func wantArgs(fs *flag.FlagSet, n int, what string) error {
	if fs.NArg() != n {
		return usagef("want %d argument(s) (%s), got %d", n, what, fs.NArg())
	}
	return nil
}

// subcommand is one verb of a command with verbs (`data inspect`, `plan evaluate`).
type subcommand struct {
	name string
	run  func(ctx context.Context, env *cliEnv, args []string) error
}

// runSubcommand dispatches args[0] to one of subs; help prints usage.
func runSubcommand(ctx context.Context, env *cliEnv, args []string, usage string, subs []subcommand) error {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	want := strings.Join(names, ", ")
	if len(args) == 0 {
		return usagef("missing subcommand (%s)", want)
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprint(env.stdout, usage)
		return flag.ErrHelp
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, env, args[1:])
		}
	}
	return usagef("unknown subcommand %q (want %s)", args[0], want)
}
