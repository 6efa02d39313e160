/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/timerfd.h */
int pyipvs_timerfd_open(void);
int pyipvs_timerfd_arm(int fd, double deadline);
int pyipvs_timerfd_ack(int fd);
