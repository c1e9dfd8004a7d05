/*
 * fork/exec with optional stdin and captured output, through one poll loop
 * so a child that writes a lot while we feed it cannot deadlock us.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"
#include "proc.h"

static void
child(const char *const argv[], int in[2], int out[2], int flags)
{
	int	devnull;

	if (in[0] != -1) {
		dup2(in[0], STDIN_FILENO);
		close(in[0]);
		close(in[1]);
	} else if ((devnull = open("/dev/null", O_RDONLY)) != -1)
		dup2(devnull, STDIN_FILENO);
	if (out[1] != -1) {
		dup2(out[1], STDOUT_FILENO);
		if (flags & PROC_MERGE_ERR)
			dup2(out[1], STDERR_FILENO);
		close(out[0]);
		close(out[1]);
	} else if ((flags & PROC_QUIET) &&
	    (devnull = open("/dev/null", O_WRONLY)) != -1)
		dup2(devnull, STDOUT_FILENO);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Feeds input and drains output until both are done. */
static void
pump(int infd, const char *input, int outfd, char *out, size_t outlen)
{
	size_t		 inlen = input ? strlen(input) : 0, inoff = 0, got = 0;
	struct pollfd	 pfd[2];
	char		 sink[4096];
	ssize_t		 n;

	while (infd != -1 || outfd != -1) {
		pfd[0] = (struct pollfd){ .fd = infd, .events = POLLOUT };
		pfd[1] = (struct pollfd){ .fd = outfd, .events = POLLIN };
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (infd != -1 && (pfd[0].revents & (POLLOUT | POLLERR |
		    POLLHUP))) {
			n = write(infd, input + inoff, inlen - inoff);
			if (n > 0)
				inoff += n;
			if (n <= 0 || inoff == inlen) {
				close(infd);
				infd = -1;
			}
		}
		if (outfd != -1 && (pfd[1].revents & (POLLIN | POLLHUP |
		    POLLERR))) {
			if (got + 1 < outlen)
				n = read(outfd, out + got, outlen - 1 - got);
			else
				n = read(outfd, sink, sizeof(sink));
			if (n > 0 && got + 1 < outlen)
				got += n;
			if (n <= 0 && !(n == -1 && errno == EINTR)) {
				close(outfd);
				outfd = -1;
			}
		}
	}
	if (out != NULL && outlen > 0)
		out[got] = '\0';
}

int
proc_run(const char *const argv[], const char *input, char *out, size_t outlen,
    int flags)
{
	int	in[2] = { -1, -1 }, outp[2] = { -1, -1 }, status;
	pid_t	pid;

	if ((input != NULL && pipe2(in, O_CLOEXEC) == -1) ||
	    (out != NULL && pipe2(outp, O_CLOEXEC) == -1)) {
		log_warn("pipe");
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_warn("fork");
		return -1;
	}
	if (pid == 0)
		child(argv, in, outp, flags);
	if (in[0] != -1)
		close(in[0]);
	if (outp[1] != -1)
		close(outp[1]);
	pump(in[1], input, outp[0], out, outlen);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			log_warn("waitpid");
			return -1;
		}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

const char *
proc_argv_str(const char *const argv[], char *buf, size_t len)
{
	int	i;

	buf[0] = '\0';
	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			strlcat(buf, " ", len);
		strlcat(buf, argv[i], len);
	}
	return buf;
}
