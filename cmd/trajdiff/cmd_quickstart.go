package main

import (
	"context"
	"fmt"
)

func quickstartCommand() command {
	return command{
		name:    "quickstart",
		summary: "run the main job on built-in defaults (today: the sampler benchmark on a 64-D mixture)",
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			fs := newFlagSet(env, "quickstart", "quickstart [flags]")
			var f samplerBenchFlags
			f.register(fs)
			if err := parseFlags(fs, env, args); err != nil {
				return err
			}
			if err := wantArgs(fs, 0, "none"); err != nil {
				return err
			}
			fmt.Fprintln(env.stdout, "trajdiff quickstart: every sampler of the core on a target whose denoiser is known exactly.")
			fmt.Fprintln(env.stdout, "(Training, datasets and plots join this command as those packages land; see README.)")
			fmt.Fprintln(env.stdout)
			return benchSamplers(ctx, env, f)
		},
	}
}
