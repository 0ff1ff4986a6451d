// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* links.c - pinned XDP links: finding them, locking changes to them, and
 * tearing an instance down.  A pinned link keeps the program attached with
 * no process alive; BPF_LINK_DETACH ends it even while a stale fd to it is
 * still open somewhere. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "links.h"
#include "pin.h"

void sg_links_dir(const char *pin, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", pin, SG_PIN_LINKS_DIR);
}

void sg_link_path(const char *pin, __u32 ifindex, char *buf, size_t len)
{
	char name[32];

	snprintf(name, sizeof(name), SG_PIN_LINK_FMT, ifindex);
	snprintf(buf, len, "%s/%s/%s", pin, SG_PIN_LINKS_DIR, name);
}

int sg_links_lock(const char *pin)
{
	char dir[PATH_MAX];
	int fd;

	sg_links_dir(pin, dir, sizeof(dir));
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Held for one short operation at a time, so waiting is fine. */
	if (flock(fd, LOCK_EX)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

void sg_links_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int sg_links_list(const char *pin, struct sg_pinned_link *v, int max)
{
	char dir[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	sg_links_dir(pin, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		struct sg_pinned_link *l = &v[n];

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(l->path, sizeof(l->path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(l->path))
			continue;
		l->fd = bpf_obj_get(l->path);
		if (l->fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(l->fd, &info, &len) || info.type != BPF_LINK_TYPE_XDP) {
			close(l->fd);
			continue;
		}
		l->ifindex = info.xdp.ifindex;
		l->prog_id = info.prog_id;
		l->link_id = info.id;
		n++;
	}
	closedir(d);
	return n;
}

void sg_links_close(struct sg_pinned_link *v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i].fd >= 0)
			close(v[i].fd);
}

__u32 sg_xdp_attached_mode(__u32 ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return SG_XDP_NONE;
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV:
		return SG_XDP_NATIVE;
	case XDP_ATTACHED_SKB:
		return SG_XDP_GENERIC;
	default:
		return SG_XDP_NONE;
	}
}

/* Removes every entry of dir (bpffs: pinned objects and the links
 * directory), then dir itself. */
static int remove_tree(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (de->d_type == DT_DIR)
			ret = remove_tree(path) ?: ret;
		else if (unlink(path) && errno != ENOENT)
			ret = -errno;
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		ret = -errno;
	return ret;
}

int sg_instance_teardown(const char *pin, int *ndetached)
{
	struct sg_pinned_link links[SG_MAX_IFACES];
	int n = sg_links_list(pin, links, SG_MAX_IFACES);

	*ndetached = 0;
	for (int i = 0; i < n; i++) {
		/* Detach first: the kernel then drops the program at once,
		 * whoever else still holds an fd to the link. */
		if (links[i].ifindex && bpf_link_detach(links[i].fd) == 0)
			(*ndetached)++;
	}
	sg_links_close(links, n > 0 ? n : 0);
	return remove_tree(pin);
}

int sg_instance_remove(const char *pin, int *ndetached, char *err, size_t errlen)
{
	struct stat st;
	int lock, ret;

	*ndetached = 0;
	if (stat(pin, &st)) {
		ret = -errno;
		if (ret == -ENOENT)
			snprintf(err, errlen, "no scanguard instance at %s", pin);
		else
			snprintf(err, errlen, "%s: %s", pin, strerror(-ret));
		return ret;
	}
	if (sg_pin_locked(pin)) {
		snprintf(err, errlen,
			 "scanguardd is running on %s; stop it first (systemctl stop scanguard)", pin);
		return -EBUSY;
	}
	lock = sg_links_lock(pin);
	if (lock < 0) {
		snprintf(err, errlen, "cannot lock %s: %s", pin, strerror(-lock));
		return lock;
	}
	ret = sg_instance_teardown(pin, ndetached);
	sg_links_unlock(lock);
	if (ret)
		snprintf(err, errlen, "cannot remove %s: %s", pin, strerror(-ret));
	return ret;
}
