#!/usr/bin/env bash
# datasets: checks beyond `go test ./...`:
#  - the cross-implementation test against apache-arrow (JS) must run, not skip;
#  - the D4RL HDF5 importer, built with cgo and -tags hdf5, against a file written by h5py;
#  - the fuzz targets' seed corpora (go test runs them as ordinary tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
TRAJDIFF_REQUIRE_NODE=1 go test -count=1 -run 'ArrowJS|ArrowJSFiles|TrajdiffReadsArrowJSFiles' ./datasets/
go vet -tags hdf5 ./datasets/...
go test -count=1 -tags hdf5 ./datasets/...
