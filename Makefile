# Makefile - build, test and grade the week's IPC exercises
#
#   make                 build every exercise's test binary against IMPL
#   make grade           grade exercises/ under Valgrind (EX=, TEST=, IMPL=, FAST=1;
#                        LIST=1 prints the tests and their points instead)
#   make debug EX= TEST= one test in this process under gdb (never a score)
#   make test            the project's own tests (alias: make check)
#   make bench           the ring buffer against a pipe (optimised, no Valgrind)
#   make template DEST=  the repository students receive
#   make clean

IMPL ?= exercises
# where the contract headers live (the grader points this at its own copies)
HEADERS ?= exercises
BUILD ?= build/$(notdir $(abspath $(IMPL)))

CC ?= cc
NM ?= nm
OBJCOPY ?= objcopy
OBJDUMP ?= objdump
CFLAGS ?= -std=c11 -Wall -Wextra -Werror -pedantic -g
CPPFLAGS += -D_POSIX_C_SOURCE=200809L
# header dependencies, for the course's own objects only (see IMPL_SOURCES)
DEPFLAGS := -MMD -MP
# recursive on purpose: evaluated after `grader/setup` has installed check
CHECK_CFLAGS = $(shell pkg-config --cflags check)
CHECK_LIBS = $(shell pkg-config --libs check)

# an exercise is a tests/NN-topic folder holding C tests
EXERCISES := $(sort $(patsubst tests/%/,%,$(dir $(wildcard tests/[0-9][0-9]-*/*.c))))
TEST_BINS := $(EXERCISES:%=$(BUILD)/%/test)
HARNESS_OBJS := $(BUILD)/harness/harness.o

# Link options of one exercise's test program, as TEST_LDFLAGS_<folder>: a
# test that must see each call the code under test makes to a library
# function wraps it (-Wl,--wrap=NAME; the tests define __wrap_NAME).
TEST_LDFLAGS_04-pipe-atomicity := -Wl,--wrap=write
TEST_LDFLAGS_05-race-condition := -Wl,--wrap=sem_wait
TEST_LDFLAGS_06-fifo := -Wl,--wrap=read

# one exercise that does not compile must not stop the others
MAKEFLAGS += --keep-going --no-print-directory

# The code under test: IMPL_SOURCES, words FOLDER/NAME.c and FOLDER/NAME.h
# relative to IMPL. A submission's file names are data: a name holding $(...)
# would be make's text inside $(eval), and ; : % or a newline would be rule
# syntax, so no name reaches a rule, a recipe or $(eval) before it is checked.
# The grader gives IMPL_SOURCES on the command line, the names its intake took
# (grader/src/intake.c); its builds are fresh, so it reads no dependency file
# either. Otherwise make lists IMPL's folders itself, only for the goals that
# build them (`make grade IMPL=<a student's exercises>` reads nothing of the
# student's before the grader has it), and stops at a name it does not take.
NAME_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z \
    A B C D E F G H I J K L M N O P Q R S T U V W X Y Z 0 1 2 3 4 5 6 7 8 9 _ - .
# $(call strip_chars,TEXT,CHARS): TEXT without any of the characters CHARS
strip_chars = $(if $(2),$(call strip_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
# $(call plain_source,WORD): WORD when it is FOLDER/NAME.c or FOLDER/NAME.h,
# FOLDER an exercise and NAME of NAME_CHARS, starting with neither - nor .
source_name = $(word 2,$(subst /, ,$(1)))
plain_source = $(and $(filter 2,$(words $(subst /, ,$(1)))),$(filter $(EXERCISES),$(firstword $(subst /, ,$(1)))),$(filter %.c %.h,$(call source_name,$(1))),$(filter-out -% .%,$(call source_name,$(1))),$(if $(call strip_chars,$(call source_name,$(1)),$(NAME_CHARS)),,$(1)))
# goals that build no exercise themselves (list-tests and debug build through
# a make of their own, which lists and checks)
NO_SOURCES_GOALS := setup grade list-tests debug test check bench template gradescope clean \
    build/grader/grade

ifeq ($(origin IMPL_SOURCES),command line)
else ifeq ($(filter-out $(NO_SOURCES_GOALS),$(or $(MAKECMDGOALS),all)),)
IMPL_SOURCES :=
else
IMPL_SOURCES := $(patsubst $(IMPL)/%,%,$(foreach e,$(EXERCISES),$(wildcard $(IMPL)/$(e)/*.c $(IMPL)/$(e)/*.h)))
endif
UNSAFE_SOURCES := $(strip $(foreach w,$(IMPL_SOURCES),$(if $(call plain_source,$(w)),,$(w))))
ifneq ($(UNSAFE_SOURCES),)
$(error $(IMPL): make does not build files with these names: $(UNSAFE_SOURCES) (a name may hold letters, digits, _ - and . only, and start with neither - nor .))
endif

.PHONY: all setup grade list-tests debug test check bench template gradescope clean
all: setup $(TEST_BINS)

setup:
	@grader/setup build

$(BUILD)/harness/%.o: tests/harness/%.c tests/harness/harness.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(DEPFLAGS) $(CHECK_CFLAGS) $(CFLAGS) -c -o $@ $<

# $(1) is an exercise folder name. The submission's names are only ever
# values of variables here ($$), never text that $(eval) reads.
define exercise_rules
$(1)_TEST_OBJS := $(HARNESS_OBJS) \
    $(patsubst tests/$(1)/%.c,$(BUILD)/$(1)/tests/%.o,$(wildcard tests/$(1)/*.c))
$(1)_IMPL_OBJS := $$(patsubst $(1)/%.c,$(BUILD)/$(1)/impl/%.o,$$(filter $(1)/%.c,$$(IMPL_SOURCES)))
$(1)_IMPL_HDRS := $$(addprefix $(IMPL)/,$$(filter $(1)/%.h,$$(IMPL_SOURCES)))

$(BUILD)/$(1)/test: $$($(1)_TEST_OBJS) $(BUILD)/$(1)/impl.o
	$$(CC) $$(CFLAGS) -o $$@ $$^ $$(TEST_LDFLAGS_$(1)) $$(CHECK_LIBS)

# the code under test, sealed: see tests/harness/seal-impl
$(BUILD)/$(1)/impl.o: $$($(1)_IMPL_OBJS) $$($(1)_TEST_OBJS) tests/harness/seal-impl
	@[ -n "$$($(1)_IMPL_OBJS)" ] || { echo "$(IMPL)/$(1): no .c file to test" >&2; exit 1; }
	@CC="$$(CC)" NM="$$(NM)" OBJCOPY="$$(OBJCOPY)" OBJDUMP="$$(OBJDUMP)" CHECK_LIBS="$$(CHECK_LIBS)" \
	    CONTRACT="$$(wildcard $(HEADERS)/$(1)/*.h)" SRC_DIR=$(IMPL)/$(1) \
	    bash tests/harness/seal-impl $$@ "$$($(1)_TEST_OBJS)" $$($(1)_IMPL_OBJS)

# no dependency file from the code under test: its headers are listed instead
$(BUILD)/$(1)/impl/%.o: $(IMPL)/$(1)/%.c $$($(1)_IMPL_HDRS) $$(wildcard $(HEADERS)/$(1)/*.h)
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) -I$(HEADERS)/$(1) $$(CFLAGS) -c -o $$@ $$<

$(BUILD)/$(1)/tests/%.o: tests/$(1)/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(DEPFLAGS) -I$(HEADERS)/$(1) -Itests/harness $$(CHECK_CFLAGS) $$(CFLAGS) -c -o $$@ $$<
endef
$(foreach e,$(EXERCISES),$(eval $(call exercise_rules,$(e))))

GRADER_SRCS := $(wildcard grader/src/*.c)
# paths are bounded; a truncated one fails to open, which is reported
build/grader/grade: $(GRADER_SRCS) grader/src/grade.h tests/harness/token.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/harness -Wno-format-truncation -O1 -o $@ $(GRADER_SRCS)

# make grade EX=03-pipe-fork TEST=name IMPL=solutions FAST=1
# make grade LIST=1 [EX=03-pipe-fork]: the table of tests, nothing graded
grade:
ifneq ($(LIST),)
	@$(MAKE) list-tests
else
	@grader/grade --impl $(IMPL) $(if $(EX),--only $(EX)) $(if $(TEST),--test $(TEST)) \
	    $(if $(FAST),--no-valgrind) $(GRADE_FLAGS)
endif

# Each test's points and time limit, from the table the test program prints
# with --list (the one the grader reads); it needs the exercise to compile.
list-tests: setup
	@for ex in $(or $(EX),$(EXERCISES)); do \
	    if [ ! -d "tests/$$ex" ]; then echo "$$ex: no such exercise" >&2; exit 2; fi; \
	    if ! ls tests/$$ex/*.c >/dev/null 2>&1; then \
	        echo "$$ex: written answers only, for TA review"; continue; fi; \
	    if ! $(MAKE) -s "$(BUILD)/$$ex/test" >/dev/null 2>&1; then \
	        echo "$$ex: does not compile (make grade EX=$$ex shows why)"; continue; fi; \
	    "$(BUILD)/$$ex/test" --list | awk -F '\t' -v ex="$$ex" ' \
	        { row[NR] = sprintf("  %6g %5gs  %s%s", $$2, $$4, $$1, $$3 == "bonus" ? " (bonus)" : ""); \
	          if ($$3 == "bonus") bonus += $$2; else points += $$2 } \
	        END { printf "%s: %g points%s, %d tests (points, time limit, name)\n", ex, points, \
	                  bonus ? sprintf(" + %g bonus", bonus) : "", NR; \
	              for (i = 1; i <= NR; i++) print row[i] }'; \
	done
	@echo "Time limits are native; under Valgrind each is multiplied by 5."

# make debug EX=03-pipe-fork TEST=name: that one test of IMPL in this process
# (Check's no-fork mode) under gdb. No time limit and no score: grading
# always runs the tests in fork mode.
debug: setup
	@[ -n "$(EX)" ] && [ -n "$(TEST)" ] || \
	    { echo "usage: make debug EX=NN-topic TEST=name (make grade EX=NN-topic LIST=1 lists the names)" >&2; exit 2; }
	@[ -d "tests/$(EX)" ] || { echo "make debug: no exercise $(EX)" >&2; exit 2; }
	@command -v gdb >/dev/null || { echo "make debug: gdb is missing: sudo apt-get install gdb" >&2; exit 2; }
	@$(MAKE) -s $(BUILD)/$(EX)/test
	CK_FORK=no gdb -q --args $(BUILD)/$(EX)/test $(TEST)

test check:
	@tests/run

# the reference ring when this checkout has it (the course's), else IMPL's
BENCH_IMPL ?= $(if $(wildcard solutions/09-ring-buffer/*.c),solutions,$(IMPL))
bench: setup
	@mkdir -p build/bench
	$(CC) $(CPPFLAGS) -Iexercises/09-ring-buffer -std=c11 -Wall -Wextra -Werror -pedantic -O2 -g \
	    -o build/bench/ring_bench tests/bench/*.c $(BENCH_IMPL)/09-ring-buffer/*.c -pthread -lrt
	build/bench/ring_bench $(BENCH_ARGS)

# What students and Gradescope get: the course without the reference solutions,
# the banks of near-solutions, the course's own test tools and CI. (tests/run
# stays: without solutions/ it grades the student's exercises.)
# From git in a checkout: the files it tracks (committed or added), never a
# stray file of the working tree. Regular files only: a link is named and
# left out, never followed (it could name a solution), as is a FIFO or device.
STUDENT_FILES = { git ls-files -z --cached 2>/dev/null || \
    find . ! -type d ! -path './.git/*' ! -path './build/*' -printf '%P\0'; } | \
    grep -zvE '^(solutions|tests/bank|tests/hostile|tests/tools|\.ci|build)/|^(tests/integrations|\.github/workflows/ci\.yml)$$' | \
    while IFS= read -r -d '' f; do \
      if [ -f "$$f" ] && [ ! -L "$$f" ]; then printf '%s\0' "$$f"; \
      elif [ -L "$$f" ] || [ -e "$$f" ]; then \
        printf 'make: %q is not a regular file (a link, FIFO or device): left out\n' "$$f" >&2; fi; \
    done
template gradescope: SHELL := /bin/bash
# $(1): the destination folder, made (or emptied but for .git) first
define copy_student_files
	@mkdir -p "$(1)" && find "$(1)" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
	@$(STUDENT_FILES) | tar --null -T - -cf - | tar -C "$(1)" -xf -
endef

# make template DEST=DIR: the repository that students receive. DEST must be
# new, empty or a git checkout (of the template repository: updated in place).
template:
	@[ -n "$(DEST)" ] || { echo "usage: make template DEST=DIR" >&2; exit 2; }
	@[ -d solutions ] || { echo "make template: run it in the course repository (no solutions/ here)" >&2; exit 2; }
	@[ ! -e "$(DEST)" ] || [ -d "$(DEST)/.git" ] || [ -z "$$(ls -A "$(DEST)")" ] || \
	    { echo "make template: $(DEST) is neither empty nor a git checkout" >&2; exit 2; }
	$(call copy_student_files,$(DEST))
	@echo "template written to $(DEST): commit it as the first commit of the template repository"

# make gradescope: build/gradescope.zip, the autograder to upload to Gradescope
gradescope:
	@[ -d solutions ] || { echo "make gradescope: run it in the course repository (no solutions/ here)" >&2; exit 2; }
	@command -v zip >/dev/null || { echo "make gradescope: zip is missing: sudo apt-get install zip" >&2; exit 2; }
	$(call copy_student_files,build/gradescope)
	@rm -rf build/gradescope/.github build/gradescope/.devcontainer build/gradescope.zip
	@cp grader/gradescope/setup.sh grader/gradescope/run_autograder build/gradescope/
	@cd build/gradescope && zip -qrX ../gradescope.zip .
	@echo "build/gradescope.zip: upload it as the assignment's autograder (Ubuntu base image)"

clean:
	rm -rf build

# header dependencies of the course's objects from earlier builds here (the
# grader's builds are fresh: it reads none)
ifneq ($(origin IMPL_SOURCES),command line)
-include $(wildcard $(BUILD)/harness/*.d $(BUILD)/*/tests/*.d)
endif
