/*
 * bindings.h: internals of the ukvm guest SDK's hvt bindings (not for
 * applications).
 */
#ifndef UKVM_BINDINGS_H
#define UKVM_BINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvt_abi.h"
#include "mft_abi.h"
#include "solo5.h"

/* Per architecture (bindings/ARCH/arch.h): trap frame, counter, TLS base, mode. */
#include "arch.h"

#define PAGE_SIZE 4096UL
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uintptr_t)(a) - 1))

/* Log levels: --solo5:quiet shows only errors, --solo5:debug shows all. */
enum log_level { LOG_ERROR = 0, LOG_INFO = 1, LOG_DEBUG = 2 };
extern enum log_level ukvm_log_level;

/* Formats one message and writes it with a single hypercall. */
void ukvm_log(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "Solo5: ABORT: <message>" and halts with SOLO5_EXIT_ABORT. */
void ukvm_panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* HALT hypercall. */
void ukvm_halt(int status, void *cookie) __attribute__((noreturn));

/* time.c */
void ukvm_time_init(uint64_t cpu_cycle_freq);

/* mft.c */
void ukvm_mft_init(const struct mft *mft);
const struct mft *ukvm_mft_get(void);
/* Entry named (name) of type (type), its index in (*index); NULL if none. */
const struct mft_entry *ukvm_mft_by_name(const char *name, mft_type_t type,
                                         unsigned *index);
/* Entry (index) if it has type (type); NULL otherwise. */
const struct mft_entry *ukvm_mft_by_index(solo5_handle_t index, mft_type_t type);
/* Marks a device acquired; false if it already was. */
bool ukvm_mft_acquire(unsigned index);

/* net.c: takes the network ring (hvt_ring.h) if the monitor offers one. */
void ukvm_net_init(const struct hvt_boot_info *bi);
/* solo5_yield(): true (and *ready_set) if frames came through the ring. */
bool ukvm_net_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set);
/* solo5_yield(), around POLL: posts ring reads for the polled devices... */
void ukvm_net_prepost(void);
/* ...and collects them: the devices whose frame is now in the stash. */
solo5_handle_set_t ukvm_net_collect(solo5_handle_set_t polled_ready);

/* ARCH/trap.c: prints the register dump of a fatal trap, halts with 255. */
void ukvm_trap_report(struct ukvm_trap_frame *frame) __attribute__((noreturn));

#endif
