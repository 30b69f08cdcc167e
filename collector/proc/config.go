package proc

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of Config.
const (
	DefaultMaxProcesses = 262144
	DefaultMaxThreads   = 262144
	DefaultMaxFDs       = 4096
	DefaultExitGrace    = 30 * time.Second
)

// Config bounds a Table. Zero fields take the defaults.
type Config struct {
	// MaxProcesses bounds the number of processes (live and exited); the
	// least recently used one is evicted when it is exceeded.
	MaxProcesses int
	// MaxThreads bounds the number of threads of all processes.
	MaxThreads int
	// MaxFDsPerProcess bounds the fds kept per fd table; opens beyond it are
	// dropped and counted.
	MaxFDsPerProcess int
	// ExitGrace is how long, in event time, an exited process stays
	// resolvable for late events before it is freed.
	ExitGrace time.Duration
}

func (c Config) withDefaults() Config {
	if c.MaxProcesses == 0 {
		c.MaxProcesses = DefaultMaxProcesses
	}
	if c.MaxThreads == 0 {
		c.MaxThreads = DefaultMaxThreads
	}
	if c.MaxFDsPerProcess == 0 {
		c.MaxFDsPerProcess = DefaultMaxFDs
	}
	if c.ExitGrace == 0 {
		c.ExitGrace = DefaultExitGrace
	}
	return c
}

// Validate returns every problem of c.
func (c Config) Validate() error {
	var errs []error
	if c.MaxProcesses < 0 {
		errs = append(errs, fmt.Errorf("max processes %d is negative", c.MaxProcesses))
	}
	if c.MaxThreads < 0 {
		errs = append(errs, fmt.Errorf("max threads %d is negative", c.MaxThreads))
	}
	if c.MaxFDsPerProcess < 0 {
		errs = append(errs, fmt.Errorf("max fds per process %d is negative", c.MaxFDsPerProcess))
	}
	if c.ExitGrace < 0 {
		errs = append(errs, fmt.Errorf("exit grace %s is negative", c.ExitGrace))
	}
	return errors.Join(errs...)
}
