// Command vigil is the Vigil runtime security agent and its tools.
//
// It is the only place that reads flags, wires components together and
// exits the process.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/alecthomas/kong"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// cli is the command tree. Each leaf command is a struct with a Run method.
type cli struct {
	LogLevel  slog.Level `name:"log.level" default:"info" help:"Log level: debug, info, warn, error."`
	LogFormat string     `name:"log.format" default:"text" enum:"text,json" help:"Log format: text or json."`

	Run     runCmd     `cmd:"" help:"Run the agent: watch the kernel (or replay a capture), evaluate rules, report detections."`
	Capture captureCmd `cmd:"" help:"Record kernel events and the process state they need into a capture file."`
	Rules   rulesCmd   `cmd:"" help:"Work with rules files."`
	Fields  fieldsCmd  `cmd:"" help:"List every supported rule field."`
	Version versionCmd `cmd:"" help:"Print version information."`
}

// env carries the process's standard streams into commands, so that tests can
// run commands without touching the real ones.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

// exitError asks main to exit with a code after printing nothing more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	exitCode := -1 // set when kong asks to exit (--help), which it does without an error
	parser, err := kong.New(&c,
		kong.Name("vigil"),
		kong.Description("Runtime security detection with Falco-compatible rules, eBPF capture, OTLP and Prometheus."),
		kong.UsageOnError(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exitCode = code }),
	)
	if err != nil {
		fmt.Fprintf(stderr, "vigil: %v\n", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exitCode >= 0 {
		// --help printed the usage; kong carries on parsing (and may then
		// complain about missing arguments) because Exit returned.
		return exitCode
	}
	if err != nil {
		var perr *kong.ParseError
		if errors.As(err, &perr) {
			fmt.Fprintf(stderr, "vigil: %v\n", err)
			return 2
		}
		return 1
	}
	if kctx.Command() == "" {
		return 0
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, log: newLogger(stderr, c.LogLevel, c.LogFormat)}
	if err := kctx.Run(e); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		fmt.Fprintf(stderr, "vigil: %v\n", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
