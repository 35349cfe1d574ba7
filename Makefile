# Development shortcuts. `make test` is what CI runs (plus gofmt, vet and staticcheck in .ci/run).
.PHONY: test bench

test:
	./scripts/test

# The load benchmark (not a test; never run in CI). BENCHFLAGS passes options, e.g.
# make bench BENCHFLAGS="-rounds 3 -duration 10s". See docs/benchmarks.md.
bench:
	./scripts/bench $(BENCHFLAGS)
