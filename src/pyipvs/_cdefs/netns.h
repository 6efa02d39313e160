/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/netns.h */
int pyipvs_open_in_netns(int netns_fd, const char *path);
