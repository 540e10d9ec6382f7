/* atomic.c: write-fsync-rename saves (see atomic.h). */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void dir_of(const char *path, char *dir, size_t size)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    snprintf(dir, size, "%s", dirname(tmp));
}

int atomic_begin(atomic_file *a, const char *path, sc_err *e)
{
    if (strlen(path) >= sizeof a->path)
        return err_set(e, "%s: path too long", path);
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    struct stat st;
    if (stat(dir, &st) < 0)
        return err_set(e, "%s: directory %s does not exist", path, dir);
    if (!S_ISDIR(st.st_mode))
        return err_set(e, "%s: %s is not a directory", path, dir);
    if (access(dir, W_OK) < 0)
        return err_set(e, "%s: directory %s is not writable", path, dir);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return err_set(e, "%s: is a directory", path);
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp-%ld", path, (long)getpid());
    return 0;
}

static int fsync_path(const char *p, int dir, sc_err *e)
{
    int fd = open(p, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        return err_errno(e, p);
    int rc = fsync(fd);
    /* some file systems refuse fsync on directories; that is not a failure */
    if (rc < 0 && !(dir && (errno == EINVAL || errno == EBADF))) {
        err_errno(e, p);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int atomic_commit(atomic_file *a, sc_err *e)
{
    if (fsync_path(a->tmp, 0, e) < 0) {
        atomic_abort(a);
        return -1;
    }
    if (rename(a->tmp, a->path) < 0) {
        err_errno(e, a->path);
        atomic_abort(a);
        return -1;
    }
    char dir[4096];
    dir_of(a->path, dir, sizeof dir);
    return fsync_path(dir, 1, e);
}

void atomic_abort(atomic_file *a)
{
    unlink(a->tmp);
}
