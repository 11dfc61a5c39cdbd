# The two entry points of the README. Both work on a fresh machine: they install the pinned Node.js
# and the npm packages first (scripts/bootstrap.sh).
.PHONY: run test
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
