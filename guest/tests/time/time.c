/*
 * time: the monotonic clock advances; solo5_yield() with a past deadline
 * returns at once and with a future one sleeps about the right time (checked
 * against both clocks); the wall clock is 2017 or later.
 */
#include <stdio.h>

#include "solo5.h"

#define NSEC_PER_SEC 1000000000ULL
#define SLACK (100ULL * 1000 * 1000) /* oversleep tolerated */

static bool sleep_ok(int n, solo5_time_t ns)
{
    solo5_time_t w0 = solo5_clock_wall();
    solo5_time_t t0 = solo5_clock_monotonic();
    solo5_yield(t0 + ns, NULL);
    solo5_time_t t1 = solo5_clock_monotonic();
    solo5_time_t w1 = solo5_clock_wall();

    if (t1 < t0) {
        printf("[%d] ERROR: time is not passing\n", n);
        return false;
    }
    solo5_time_t delta = t1 - t0;
    printf("[%d] Slept for %llu ns (asked %llu ns)\n", n, (unsigned long long)delta,
           (unsigned long long)ns);
    if (delta < ns) {
        printf("[%d] ERROR: slept too little\n", n);
        return false;
    }
    if (delta > ns + SLACK) {
        printf("[%d] ERROR: slept too much (more than %llu ns extra)\n", n,
               (unsigned long long)SLACK);
        return false;
    }
    /*
     * The wall clock is the monotonic one plus an offset, so they agree by
     * construction; what this checks is that it never goes backwards.
     */
    if (w1 < w0) {
        printf("[%d] ERROR: wall clock went backwards\n", n);
        return false;
    }
    return true;
}

int solo5_app_main(const struct solo5_start_info *si __attribute__((unused)))
{
    printf("\n**** ukvm guest test: time ****\n\n");

    solo5_time_t ta = solo5_clock_monotonic(), tb = ta;
    for (int i = 0; i < 1000 && tb == ta; i++)
        tb = solo5_clock_monotonic();
    if (tb <= ta) {
        printf("ERROR: monotonic time is not passing\n");
        return SOLO5_EXIT_FAILURE;
    }

    ta = solo5_clock_monotonic();
    solo5_yield(ta, NULL);
    tb = solo5_clock_monotonic();
    printf("Overhead of solo5_yield(): %llu ns\n", (unsigned long long)(tb - ta));
    if (tb - ta > SLACK) {
        printf("ERROR: solo5_yield() with a past deadline took too long\n");
        return SOLO5_EXIT_FAILURE;
    }

    bool ok = sleep_ok(1, NSEC_PER_SEC);
    ok = sleep_ok(2, NSEC_PER_SEC / 4) && ok;
    if (!ok)
        return SOLO5_EXIT_FAILURE;

    solo5_time_t wall = solo5_clock_wall();
    if (wall < 1483228800ULL * NSEC_PER_SEC) {
        printf("ERROR: wall time is not 2017 or later (got %llu ns)\n",
               (unsigned long long)wall);
        return SOLO5_EXIT_FAILURE;
    }
    printf("Wall clock: %llu s since the epoch\n",
           (unsigned long long)(wall / NSEC_PER_SEC));

    printf("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
