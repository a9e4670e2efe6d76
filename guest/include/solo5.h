/*
 * solo5.h: the Solo5 application interface, as implemented by the ukvm guest
 * SDK for the hvt target. Source-compatible with Solo5's public API: an
 * application written against Solo5 builds against this header unchanged.
 */
#ifndef SOLO5_H_INCLUDED
#define SOLO5_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Results. Calls that return a solo5_result_t return SOLO5_R_OK on success.
 * An application must not rely on getting SOLO5_R_EINVAL or SOLO5_R_EUNSPEC:
 * the bindings may abort instead. Calls on devices that are not in the
 * manifest abort or return SOLO5_R_EINVAL.
 */
typedef enum {
    SOLO5_R_OK = 0,   /* done */
    SOLO5_R_AGAIN,    /* not possible now; the same call may succeed later */
    SOLO5_R_EINVAL,   /* invalid argument */
    SOLO5_R_EUNSPEC   /* failed for another reason */
} solo5_result_t;

/*
 * Start of day. solo5_app_main() gets a read-only pointer to this. The heap
 * [heap_start, heap_start + heap_size) is one contiguous read/write,
 * non-executable region; the initial stack grows down from its end, so the
 * application shares that region between heap and stack as it likes.
 * Nothing else about the memory layout may be assumed.
 */
struct solo5_start_info {
    const char *cmdline; /* with the --solo5:* options removed */
    uintptr_t heap_start;
    size_t heap_size;
};

/* The application's entry point. Returning is solo5_exit(return value). */
int solo5_app_main(const struct solo5_start_info *info);

/* Exit statuses; 255 and above are reserved for Solo5. */
#define SOLO5_EXIT_SUCCESS 0
#define SOLO5_EXIT_FAILURE 1
#define SOLO5_EXIT_ABORT 255

/* Ends the application with (status). */
void solo5_exit(int status) __attribute__((noreturn));

/* Ends the application abnormally, with status SOLO5_EXIT_ABORT. */
void solo5_abort(void) __attribute__((noreturn));

/*
 * Thread-local storage, local-exec model only (x86_64: variant II, the TLS
 * data lies just below the thread pointer, which points at itself).
 * For each thread:
 *     void *tls = <solo5_tls_size() bytes, zeroed>;
 *     solo5_tls_init((uintptr_t)tls);
 *     solo5_set_tls_base(solo5_tls_tp_offset((uintptr_t)tls));
 * and solo5_set_tls_base() again to switch threads.
 */

/* Bytes needed for one thread's TLS block (including the thread pointer). */
size_t solo5_tls_size(void);

/* The thread pointer value for the TLS block at (tls). */
uintptr_t solo5_tls_tp_offset(uintptr_t tls);

/*
 * Initialises the TLS block at (tls): copies .tdata, zeroes .tbss, stores the
 * thread pointer. SOLO5_R_EINVAL if (tls) is NULL or not aligned enough for
 * the program's TLS variables.
 */
solo5_result_t solo5_tls_init(uintptr_t tls);

/* Sets the architecture's TLS base register (x86_64: FS base) to (base). */
solo5_result_t solo5_set_tls_base(uintptr_t base);

/*
 * Time, in nanoseconds.
 * - solo5_clock_monotonic(): a TSC-based clock that starts near 0 at boot.
 *   It may not advance while the monitor is suspended.
 * - solo5_clock_wall(): UTC since the UNIX epoch, from the host's clock.
 */
typedef uint64_t solo5_time_t;

solo5_time_t solo5_clock_monotonic(void);
solo5_time_t solo5_clock_wall(void);

/* I/O handles and sets of up to 64 of them (bit n = handle n). */
typedef uint64_t solo5_handle_t;
typedef uint64_t solo5_handle_set_t;

/*
 * Suspends the application until monotonic time reaches (deadline) or a
 * network device has input. If (ready_set) is not NULL it receives the set of
 * handles ready for input (0 after a timeout).
 */
void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set);

/* Writes (size) bytes from (buf) to the console. Best effort, never fails. */
void solo5_console_write(const char *buf, size_t size);

/* Network devices. */
#define SOLO5_NET_ALEN 6  /* bytes in an Ethernet address */
#define SOLO5_NET_HLEN 14 /* bytes in an Ethernet header */

struct solo5_net_info {
    uint8_t mac_address[SOLO5_NET_ALEN];
    size_t mtu; /* without the Ethernet header */
};

/*
 * Acquires the network device named (name) in the manifest: its handle in
 * (*handle), its properties in (*info). Once per name; a second call (or an
 * unknown name) gives SOLO5_R_EINVAL.
 */
solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info);

/*
 * Sends one frame (Ethernet header included, at most mtu + SOLO5_NET_HLEN
 * bytes) without blocking; a frame that cannot be sent now is dropped.
 */
solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf,
                               size_t size);

/*
 * Receives one frame into (buf), which holds at least mtu + SOLO5_NET_HLEN
 * bytes, without blocking: SOLO5_R_AGAIN if none is waiting, otherwise
 * SOLO5_R_OK and the frame's size in (*read_size).
 */
solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size,
                              size_t *read_size);

/*
 * Block devices. I/O is in whole blocks of solo5_block_info.block_size bytes
 * at offsets that are multiples of it; for now one block per call.
 */
typedef uint64_t solo5_off_t;

struct solo5_block_info {
    solo5_off_t capacity;   /* bytes */
    solo5_off_t block_size; /* bytes */
};

/* Like solo5_net_acquire(), for the block device named (name). */
solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
                                   struct solo5_block_info *info);

/* Writes (size) bytes from (buf) at byte (offset); all or nothing. */
solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset,
                                 const uint8_t *buf, size_t size);

/* Reads (size) bytes at byte (offset) into (buf); all or nothing. */
solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset,
                                uint8_t *buf, size_t size);

#endif /* SOLO5_H_INCLUDED */
