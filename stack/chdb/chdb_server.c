/*
 * chdb_server.c: runs the ClickHouse engine of libchdb.so (chDB, a current ClickHouse
 * built as a library) as a local server. Built and started by scripts/stack for the
 * service `clickhouse` with NOVAFEED_CLICKHOUSE=current and for `clickhouse-current`:
 *
 *   gcc -O2 -o $DIR/chdb-server chdb_server.c -L$DIR -lchdb -Wl,-rpath,'$ORIGIN'
 *   $DIR/chdb-server --config-file=FILE \
 *       --query "SYSTEM START LISTEN HTTP; SYSTEM START LISTEN TCP" --interactive
 *
 * The arguments are clickhouse-local's, passed through unchanged (argv[0] is this
 * program's name; a `clickhouse` or `local` sub-command word would be rejected). With
 * --interactive, clickhouse-local runs the --query, which starts the HTTP and native
 * listeners of the config file, then reads further queries from stdin until EOF, serving
 * on the listeners meanwhile. EOF on stdin is its clean shutdown (it prints "Bye.").
 *
 * So this program is two processes:
 *   - the parent (the pid that scripts/stack records) holds the write end of a pipe and
 *     never writes to it. SIGTERM, SIGINT or SIGHUP make it close that end: the engine
 *     reads EOF and shuts down cleanly. If the parent is SIGKILLed, the kernel closes the
 *     write end for it: same EOF. The parent waits for the engine and exits with its
 *     status (128+N if the engine was killed by signal N).
 *   - the child (the engine) has the read end as stdin and calls chdb_query_cmdline. An
 *     error result is printed on stderr and the exit status is then 1.
 *
 * Backstop for an engine that would outlive its parent without seeing EOF (say, the
 * write end leaked into another process): the child asks for SIGTERM when the parent
 * dies (PR_SET_PDEATHSIG). The engine installs no SIGTERM handler of its own, and the
 * default action would kill it at once, in the middle of the clean shutdown that the
 * EOF has already started (the kernel closes the dead parent's files before it sends
 * the signal). So the child catches SIGTERM and only arms alarm(ORPHAN_GRACE_SECONDS):
 * SIGALRM, left at its default action, ends the engine if it is still there by then.
 * (A SIGTERM sent to the engine directly therefore also stops it only after that time:
 * stop the parent instead.)
 *
 * ($DIR: where libchdb.so is.) Messages of this program go to stderr, with a timestamp;
 * the engine logs where its config file says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The part of libchdb's C API used here (the npm package ships no chdb.h). */
struct chdb_result;
extern struct chdb_result *chdb_query_cmdline(int argc, char **argv);
extern char *chdb_result_buffer(struct chdb_result *);
extern size_t chdb_result_length(struct chdb_result *);
extern const char *chdb_result_error(struct chdb_result *);

#define ORPHAN_GRACE_SECONDS 30

static const char *prog = "chdb-server";

/* Parent: the write end of the engine's stdin (-1 once closed) and the first stop
 * signal received (0: none yet). Written by the signal handler. */
static volatile sig_atomic_t pipe_write_fd = -1;
static volatile sig_atomic_t stop_signal = 0;

static void parent_on_stop_signal(int sig)
{
    int saved_errno = errno, fd = pipe_write_fd;
    if (stop_signal == 0)
        stop_signal = sig;
    if (fd >= 0) {
        pipe_write_fd = -1;
        close(fd); /* async-signal-safe; the engine reads EOF */
    }
    errno = saved_errno;
}

/* Child: the parent is gone (PR_SET_PDEATHSIG); give the engine time to finish. */
static void child_on_parent_death(int sig)
{
    int saved_errno = errno;
    (void)sig;
    alarm(ORPHAN_GRACE_SECONDS); /* async-signal-safe */
    errno = saved_errno;
}

/* say(FORMAT, ...): one line on stderr, "YYYY.MM.DD hh:mm:ss chdb-server: ...".
 * Not for signal handlers. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char stamp[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    va_list ap;

    if (localtime_r(&now, &tm) != NULL)
        strftime(stamp, sizeof stamp, "%Y.%m.%d %H:%M:%S", &tm);
    fprintf(stderr, "%s %s: ", stamp, prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

/* set_handler(SIG, HANDLER, FLAGS): the stop signals are blocked while a handler runs,
 * so its check-then-close is never re-entered. */
static int set_handler(int sig, void (*handler)(int), int flags)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGHUP);
    sa.sa_flags = flags;
    return sigaction(sig, &sa, NULL);
}

/* The child: becomes the engine; never returns. */
static void run_engine(int argc, char **argv, int read_fd, int write_fd, pid_t parent)
{
    struct chdb_result *res;
    int status = 0;

    /* A terminal's Ctrl-C or hang-up reaches the whole process group: the parent handles
     * it (by closing the pipe), the engine ignores it. SA_RESTART: the engine's system
     * calls are not interrupted by the backstop's handler. */
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGALRM, SIG_DFL);
    if (set_handler(SIGTERM, child_on_parent_death, SA_RESTART) != 0) {
        say("sigaction: %s", strerror(errno));
        _exit(1);
    }
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
        say("prctl(PR_SET_PDEATHSIG): %s (continuing without it)", strerror(errno));

    close(write_fd); /* only the parent may hold it, or EOF never comes */
    if (dup2(read_fd, STDIN_FILENO) < 0) {
        say("dup2: %s", strerror(errno));
        _exit(1);
    }
    close(read_fd);

    /* The parent died before PR_SET_PDEATHSIG took effect: nobody to serve. */
    if (getppid() != parent) {
        say("the launcher exited before the engine started");
        _exit(1);
    }

    res = chdb_query_cmdline(argc, argv);
    if (res == NULL) {
        say("error: chdb_query_cmdline returned no result");
        status = 1;
    } else {
        const char *err = chdb_result_error(res);
        if (err != NULL && err[0] != '\0') {
            say("error: %s", err);
            status = 1;
        } else {
            const char *buf = chdb_result_buffer(res);
            size_t len = chdb_result_length(res);
            if (buf != NULL && len > 0)
                fwrite(buf, 1, len, stdout);
        }
    }
    fflush(stdout);
    fflush(stderr);
    /* The engine has shut down inside chdb_query_cmdline (its data is flushed): skip
     * the library's global destructors, which are not needed to exit. */
    _exit(status);
}

int main(int argc, char **argv)
{
    int fds[2], status;
    pid_t parent = getpid(), child, r;

    if (argc > 0 && argv[0] != NULL && argv[0][0] != '\0') {
        const char *slash = strrchr(argv[0], '/');
        prog = slash ? slash + 1 : argv[0];
    }

    /* O_CLOEXEC: nothing the engine may run (executable UDFs, ...) inherits either end */
    if (pipe2(fds, O_CLOEXEC) != 0) {
        say("pipe: %s", strerror(errno));
        return 1;
    }
    pipe_write_fd = fds[1];
    /* Installed before fork, so no stop signal is lost (the child sets its own). No
     * SA_RESTART: waitpid below returns EINTR, and the stop is logged. */
    if (set_handler(SIGTERM, parent_on_stop_signal, 0) != 0 ||
        set_handler(SIGINT, parent_on_stop_signal, 0) != 0 ||
        set_handler(SIGHUP, parent_on_stop_signal, 0) != 0) {
        say("sigaction: %s", strerror(errno));
        return 1;
    }

    fflush(NULL);
    child = fork();
    if (child < 0) {
        say("fork: %s", strerror(errno));
        return 1;
    }
    if (child == 0)
        run_engine(argc, argv, fds[0], fds[1], parent);

    close(fds[0]);
    say("launcher pid %ld, engine pid %ld", (long)parent, (long)child);
    for (int reported = 0;;) {
        r = waitpid(child, &status, 0);
        if (stop_signal != 0 && !reported) {
            say("%s: closing the engine's stdin (clean shutdown)", strsignal(stop_signal));
            reported = 1;
        }
        if (r == child)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        say("waitpid: %s", strerror(errno));
        return 1;
    }
    parent_on_stop_signal(0); /* the engine is gone: close our end if still open */

    if (WIFEXITED(status)) {
        /* e.g. a listener that could not start: clickhouse-local reports the error on
         * stderr and ends its interactive session with status 0 */
        say("the engine exited with status %d%s", WEXITSTATUS(status),
            stop_signal == 0 ? " by itself (no stop was requested; see its log)" : "");
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        say("the engine was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
        return 128 + WTERMSIG(status);
    }
    return 1;
}
