// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* pin.c - bpffs preparation, the per-directory daemon lock (flock on the pin
 * directory, released by the kernel if the daemon dies) and opening the
 * pinned maps by the names scanguard.h gives them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/magic.h>
#include "pin.h"

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static bool dir_is_empty(const char *path)
{
	struct dirent *de;
	bool empty = true;
	DIR *d = opendir(path);

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

int sg_pin_prepare(const char *dir, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	char *slash;
	int ret;

	if (dir[0] != '/') {
		snprintf(err, errlen, "pin path '%s' must be absolute", dir);
		return -EINVAL;
	}
	if (strlen(dir) >= SG_PIN_PATH_MAX) {
		snprintf(err, errlen, "pin path too long (at most %d characters)", SG_PIN_PATH_MAX - 1);
		return -ENAMETOOLONG;
	}
	if (snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent)) {
		snprintf(err, errlen, "pin path too long");
		return -ENAMETOOLONG;
	}
	while (strlen(parent) > 1 && parent[strlen(parent) - 1] == '/')
		parent[strlen(parent) - 1] = 0;
	slash = strrchr(parent, '/');
	if (!slash || slash == parent) {
		snprintf(err, errlen, "pin path '%s' needs a parent directory on bpffs", dir);
		return -EINVAL;
	}
	*slash = 0;

	if (!is_bpffs(parent)) {
		/* Mount bpffs only where nothing else lives: the standard place,
		 * or a directory that is missing or empty. */
		if (strcmp(parent, "/sys/fs/bpf") && access(parent, F_OK) == 0 &&
		    !dir_is_empty(parent)) {
			snprintf(err, errlen,
				 "%s is not a bpffs mount (mount one: mount -t bpf bpf %s)",
				 parent, parent);
			return -ENOTSUP;
		}
		ret = mkdir_p(parent);
		if (ret) {
			snprintf(err, errlen, "cannot create %s: %s", parent, strerror(-ret));
			return ret;
		}
		if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
			ret = -errno;
			snprintf(err, errlen, "cannot mount bpffs on %s: %s", parent,
				 strerror(errno));
			return ret;
		}
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return ret;
	}
	return 0;
}

int sg_pin_lock(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int ret = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return ret;
	}
	return fd;
}

bool sg_pin_locked(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool locked;

	if (fd < 0)
		return false;
	/* A shared lock is refused only while a daemon holds its exclusive one. */
	locked = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return locked;
}

static int open_pinned(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

static void maps_reset(struct sg_maps *m)
{
	m->config = m->state = m->stats = m->track = m->suspect = -1;
	m->blocks = m->cidr_blocks = m->allow = m->allow_inside = m->ifaces = -1;
	m->traps = m->exposed = m->allow_hint = -1;
	m->state_mm = NULL;
	m->hint_mm = NULL;
}

static size_t hint_len(void)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return (sizeof(struct sg_allow_hint) + page - 1) / page * page;
}

int sg_maps_from_fds(struct sg_maps *m)
{
	void *mm = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED,
			m->state, 0);

	if (mm == MAP_FAILED)
		return -errno;
	m->state_mm = mm;
	mm = mmap(NULL, hint_len(), PROT_READ | PROT_WRITE, MAP_SHARED, m->allow_hint, 0);
	if (mm == MAP_FAILED) {
		int ret = -errno;

		sg_maps_unmap(m);
		return ret;
	}
	m->hint_mm = mm;
	return 0;
}

int sg_maps_open(const char *dir, struct sg_maps *m)
{
	/* With the value each holds in this build: an instance another
	 * build pinned may hold other layouts, which this one would misread. */
	struct { int *fd; const char *name; __u32 value_size; } tab[] = {
		{ &m->config, SG_STR(SG_MAP_CONFIG), sizeof(struct sg_config) },
		{ &m->state, SG_STR(SG_MAP_STATE), sizeof(struct sg_state) },
		{ &m->stats, SG_STR(SG_MAP_STATS), sizeof(struct sg_stats) },
		{ &m->track, SG_STR(SG_MAP_TRACK), sizeof(struct sg_track_set) },
		{ &m->suspect, SG_STR(SG_MAP_SUSPECT), sizeof(struct sg_suspect) },
		{ &m->blocks, SG_STR(SG_MAP_BLOCKS), sizeof(struct sg_block) },
		{ &m->cidr_blocks, SG_STR(SG_MAP_CIDR_BLOCKS), sizeof(struct sg_block) },
		{ &m->allow, SG_STR(SG_MAP_ALLOW), sizeof(struct sg_allow) },
		{ &m->allow_inside, SG_STR(SG_MAP_ALLOW_INSIDE), sizeof(__u32) },
		{ &m->allow_hint, SG_STR(SG_MAP_ALLOW_HINT), sizeof(struct sg_allow_hint) },
		{ &m->ifaces, SG_STR(SG_MAP_IFACES), sizeof(struct sg_iface) },
		{ &m->traps, SG_STR(SG_MAP_TRAPS), sizeof(__u64) },
		{ &m->exposed, SG_STR(SG_MAP_EXPOSED), sizeof(struct sg_exposed) },
	};
	int ret;

	maps_reset(m);
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct bpf_map_info info = {};
		__u32 ilen = sizeof(info);

		ret = open_pinned(dir, tab[i].name);
		if (ret < 0) {
			sg_maps_close(m);
			/* Some maps, not all: another build's instance. */
			return ret == -ENOENT && i ? -ESTALE : ret;
		}
		*tab[i].fd = ret;
		if (bpf_obj_get_info_by_fd(ret, &info, &ilen) == 0 &&
		    info.value_size != tab[i].value_size) {
			sg_maps_close(m);
			return -ESTALE;
		}
	}
	ret = sg_maps_from_fds(m);
	if (ret)
		sg_maps_close(m);
	return ret;
}

void sg_maps_unmap(struct sg_maps *m)
{
	if (m->state_mm)
		munmap(m->state_mm, sysconf(_SC_PAGESIZE));
	if (m->hint_mm)
		munmap(m->hint_mm, hint_len());
	m->state_mm = NULL;
	m->hint_mm = NULL;
}

void sg_maps_close(struct sg_maps *m)
{
	int *fds[] = { &m->config, &m->state, &m->stats, &m->track, &m->suspect,
		       &m->blocks, &m->cidr_blocks, &m->allow, &m->allow_inside, &m->ifaces,
		       &m->traps, &m->exposed, &m->allow_hint };

	sg_maps_unmap(m);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	maps_reset(m);
}
