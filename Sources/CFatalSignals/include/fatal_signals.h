// Fatal signals, handled for a program that must never leave a broken terminal and
// never die of a file shrinking under its read-only mapping.
//
// - A SIGBUS inside a watched mapping (the file was truncated while mapped) is not
//   fatal: the page is replaced with zeros, the fault is counted, and the read goes on.
//   The reader checks the count after reading and discards what it read.
// - Any other fatal signal first runs the registered restore function (the terminal
//   back to normal), says so on standard error, detaches standard input (so a crash
//   reporter does not wait for a key), and then goes on to the handler that was there
//   before (the Swift runtime's backtracer, or the default action).
#ifndef DEADTOP_FATAL_SIGNALS_H
#define DEADTOP_FATAL_SIGNALS_H

#include <stddef.h>
#include <stdint.h>

/// Watches `size` bytes at `base`; returns 0, or -1 when too many mappings are watched.
int dtf_watch_mapping(const void *base, size_t size);
void dtf_unwatch_mapping(const void *base);
/// Pages of the mapping at `base` replaced after a SIGBUS since it was watched.
uint64_t dtf_mapping_faults(const void *base);

/// Runs `restore` (async-signal-safe code only) before a fatal signal goes on; NULL clears it.
void dtf_on_fatal(void (*restore)(void));

/// Installs the handlers; idempotent. Called by both functions above.
void dtf_install(void);

#endif
