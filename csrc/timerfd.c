/* SPDX-License-Identifier: Apache-2.0 */
/* One-shot monotonic timers as file descriptors (see timerfd.h). */
#include "timerfd.h"

#include <errno.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

int pyipvs_timerfd_open(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

    return fd < 0 ? -errno : fd;
}

int pyipvs_timerfd_arm(int fd, double deadline)
{
    struct itimerspec spec = {0};

    if (deadline > 0) {
        spec.it_value.tv_sec = (time_t)deadline;
        spec.it_value.tv_nsec = (long)((deadline - (double)spec.it_value.tv_sec) * 1e9);
        if (spec.it_value.tv_nsec >= 1000000000L)
            spec.it_value.tv_nsec = 999999999L;
        /* All zero would disarm: the smallest real deadline instead. */
        if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
            spec.it_value.tv_nsec = 1;
    }
    if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL) < 0)
        return -errno;
    return 0;
}

int pyipvs_timerfd_ack(int fd)
{
    uint64_t expiries;
    ssize_t got = read(fd, &expiries, sizeof(expiries));

    if (got < 0)
        return errno == EAGAIN ? 0 : -errno;
    if (got != (ssize_t)sizeof(expiries))
        return -EIO;
    return expiries > 0x7fffffff ? 0x7fffffff : (int)expiries;
}
