/**
 * The {@code palisade} command. Each subcommand is one thin class over the modules: it parses options, calls in, and
 * prints a readable table or, with {@code --json}, one JSON object. Exit codes: 0 ok, 1 a verdict or check failed,
 * 2 usage error, 3 runtime error.
 */
package dev.palisade.cli;
