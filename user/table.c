// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* table.c - reading the tier-1 tracking tables (table.h). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "sg_admit.h"
#include "table.h"

/* Maps the table behind fd with prot (the length from the map's own size). */
static int table_map(int fd, int prot, struct sg_table *tb)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	size_t page = sysconf(_SC_PAGESIZE);
	void *mm;

	memset(tb, 0, sizeof(*tb));
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return -errno;
	if (info.value_size != sizeof(struct sg_track_set) || !info.max_entries)
		return -EINVAL;
	tb->len = ((size_t)info.max_entries * sizeof(struct sg_track_set) + page - 1) / page * page;
	mm = mmap(NULL, tb->len, prot, MAP_SHARED, fd, 0);
	if (mm == MAP_FAILED)
		return -errno;
	tb->e = mm;
	tb->entries = info.max_entries * SG_TRACK_WAYS;
	return 0;
}

int sg_table_map(int fd, struct sg_table *tb)
{
	return table_map(fd, PROT_READ, tb);
}

void sg_table_unmap(struct sg_table *tb)
{
	if (tb->e)
		munmap((void *)tb->e, tb->len);
	memset(tb, 0, sizeof(*tb));
}

long sg_table_index(const struct sg_table *tb, __u32 seed, const struct sg_addr *key,
		    struct sg_track_entry *out)
{
	__u32 base = sg_track_set_of(key, seed, tb->entries / SG_TRACK_WAYS) * SG_TRACK_WAYS;

	for (__u32 i = 0; i < SG_TRACK_WAYS; i++) {
		*out = tb->e[base + i];
		if (sg_table_used(out) && !memcmp(&out->key, key, sizeof(*key)))
			return base + i;
	}
	return -1;
}

__u32 sg_table_count(const struct sg_table *tb)
{
	__u32 n = 0;

	for (__u32 i = 0; i < tb->entries; i++)
		n += sg_table_used(&tb->e[i]);
	return n;
}

long sg_table_count_fd(int fd)
{
	struct sg_table tb;
	long n;
	int ret = sg_table_map(fd, &tb);

	if (ret)
		return ret;
	n = sg_table_count(&tb);
	sg_table_unmap(&tb);
	return n;
}

int sg_table_clear(int fd)
{
	struct sg_table tb;
	int ret = table_map(fd, PROT_READ | PROT_WRITE, &tb);

	if (ret)
		return ret;
	memset((void *)tb.e, 0, tb.len);
	sg_table_unmap(&tb);
	return 0;
}
