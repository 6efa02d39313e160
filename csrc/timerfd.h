/* SPDX-License-Identifier: Apache-2.0 */
/* One-shot timers on CLOCK_MONOTONIC as file descriptors, for an event loop's reader: the
 * kernel wakes the loop at the deadline itself (hrtimer), where epoll's own timeout is whole
 * milliseconds rounded up. */
#ifndef PYIPVS_TIMERFD_H
#define PYIPVS_TIMERFD_H

/* A non-blocking, close-on-exec CLOCK_MONOTONIC timerfd, or -errno. */
int pyipvs_timerfd_open(void);

/* Arms fd to expire once at deadline (absolute CLOCK_MONOTONIC seconds, as Python's
 * time.monotonic()); a deadline already past expires at once. deadline <= 0 disarms. Either
 * way an expiry not yet read is forgotten. Returns 0 or -errno. */
int pyipvs_timerfd_arm(int fd, double deadline);

/* Reads fd's expiry count: 1 or more when it expired, 0 when it has not (or was re-armed since),
 * -errno on error. */
int pyipvs_timerfd_ack(int fd);

#endif
