/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "cleanup.h"
#include "exec.h"
#include "fileio.h"
#include "log.h"

extern char **environ;

static pid_t spawn_argv(struct argv *a, bool quiet)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r;

	posix_spawn_file_actions_init(&fa);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	}
	r = posix_spawnp(&pid, a->v[0], &fa, NULL, a->v, environ);
	posix_spawn_file_actions_destroy(&fa);
	return r ? -r : pid;
}

static bool file_contains(const char *path, const char *needle)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len;

	if (read_file(path, 64u << 20, &buf, &len) < 0)
		return false;
	return memmem(buf, len, needle, strlen(needle)) != NULL;
}

int vm_tpm_manufacture(const char *dir, const char *ca_dir)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	_cleanup_free_ char *permall = pathjoin(dir, "tpm2-00.permall"), *ca = NULL, *conf = NULL, *opts = NULL,
			    *setup = NULL, *text = NULL;
	int r, n;

	if (!permall)
		return -ENOMEM;
	if (access(permall, F_OK) == 0)
		return 0;
	if ((r = mkdir_p(dir, 0700)) < 0 || (r = mkdir_p(ca_dir, 0700)) < 0)
		return r;
	ca = realpath(ca_dir, NULL);
	if (!ca)
		return -errno;
	conf = pathjoin(ca, "swtpm-localca.conf");
	opts = pathjoin(ca, "swtpm-localca.options");
	setup = pathjoin(ca, "swtpm_setup.conf");
	if (!conf || !opts || !setup)
		return -ENOMEM;
	n = asprintf(&text, "statedir = %s\nsigningkey = %s/signkey.pem\nissuercert = %s/issuercert.pem\n"
			    "certserial = %s/certserial\n",
		     ca, ca, ca, ca);
	if (n < 0 || (r = write_file_atomic(conf, text, (size_t)n, 0600)) < 0)
		return n < 0 ? -ENOMEM : r;
	free(text);
	text = NULL;
	static const char o[] = "--platform-manufacturer Rempart\n--platform-version 2.1\n--platform-model QEMU\n";
	if ((r = write_file_atomic(opts, o, sizeof(o) - 1, 0600)) < 0)
		return r;
	n = asprintf(&text, "create_certs_tool = /usr/bin/swtpm_localca\ncreate_certs_tool_config = %s\n"
			    "create_certs_tool_options = %s\n",
		     conf, opts);
	if (n < 0 || (r = write_file_atomic(setup, text, (size_t)n, 0600)) < 0)
		return n < 0 ? -ENOMEM : r;
	argv_add(&a, "swtpm_setup");
	argv_add(&a, "--tpm2");
	argv_add(&a, "--tpmstate");
	argv_add(&a, dir);
	argv_add(&a, "--create-ek-cert");
	argv_add(&a, "--create-platform-cert");
	argv_add(&a, "--pcr-banks");
	argv_add(&a, "sha1,sha256,sha384,sha512");
	argv_add(&a, "--config");
	argv_add(&a, setup);
	if (a.error)
		return a.error;
	r = run_command(&a, NULL, NULL, true, NULL);
	if (r < 0)
		return log_errno(LOG_LVL_ERROR, r, "swtpm_setup could not manufacture the TPM state in %s (CA %s)", dir,
				 ca);
	log_info("manufactured a TPM in %s: EK certificates from the CA in %s (trust %s/swtpm-localca-rootca-cert.pem "
		 "and %s/issuercert.pem)",
		 dir, ca, ca, ca);
	return 0;
}

static int start_swtpm(const char *dir, char **sock, pid_t *pid)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	int r;

	r = mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	*sock = pathjoin(dir, "swtpm.sock");
	unlink(*sock);
	argv_add(&a, "swtpm");
	argv_add(&a, "socket");
	argv_add(&a, "--tpm2");
	argv_addf(&a, "--tpmstate=dir=%s", dir);
	argv_addf(&a, "--ctrl=type=unixio,path=%s", *sock);
	argv_add(&a, "--terminate");
	argv_add(&a, "--flags=startup-clear");
	if (a.error)
		return a.error;
	*pid = spawn_argv(&a, true);
	if (*pid < 0)
		return *pid;
	for (int i = 0; i < 100; i++) {
		if (access(*sock, F_OK) == 0)
			return 0;
		usleep(20000);
	}
	kill(*pid, SIGTERM);
	return -ETIMEDOUT;
}

int vm_run(const struct vm_opts *o)
{
	_cleanup_(argv_freep) struct argv a = ARGV_INIT;
	_cleanup_free_ char *sock = NULL;
	char vars[] = "/tmp/rempart-vars.XXXXXX";
	pid_t tpm_pid = -1, qemu;
	struct timespec t0, t;
	int r, st = 0, vfd;

	/* The firmware writes its variable store (boot entries...): each run
	 * gets a private copy so the built store stays pristine and parallel
	 * VMs never share one. */
	if (o->vars_in_place) {
		snprintf(vars, sizeof(vars), "%s", "");
	} else {
		vfd = mkstemp(vars);
		if (vfd < 0)
			return -errno;
		close(vfd);
		r = copy_file(o->vars, vars, 0600);
		if (r < 0) {
			unlink(vars);
			return log_errno(LOG_LVL_ERROR, r, "cannot copy the variable store %s", o->vars);
		}
	}

	if (o->tpm_dir && o->tpm_ca) {
		r = vm_tpm_manufacture(o->tpm_dir, o->tpm_ca);
		if (r < 0) {
			if (!o->vars_in_place)
				unlink(vars);
			return r;
		}
	}
	if (o->tpm_dir) {
		r = start_swtpm(o->tpm_dir, &sock, &tpm_pid);
		if (r < 0)
			return log_errno(LOG_LVL_ERROR, r, "cannot start swtpm with state in %s", o->tpm_dir);
	}
	argv_add(&a, "qemu-system-x86_64");
	argv_add(&a, "-machine");
	argv_add(&a, "q35,smm=on,accel=tcg");
	argv_add(&a, "-cpu");
	argv_add(&a, "max");
	argv_add(&a, "-smp");
	argv_add(&a, "2");
	argv_add(&a, "-m");
	argv_addf(&a, "%u", o->memory_mib ? o->memory_mib : 1024);
	argv_add(&a, "-global");
	argv_add(&a, "driver=cfi.pflash01,property=secure,value=on");
	argv_add(&a, "-drive");
	argv_addf(&a, "if=pflash,format=raw,unit=0,file=%s,readonly=on", OVMF_CODE);
	argv_add(&a, "-drive");
	argv_addf(&a, "if=pflash,format=raw,unit=1,file=%s", o->vars_in_place ? o->vars : vars);
	if (o->disk) {
		argv_add(&a, "-drive");
		argv_addf(&a, "if=none,id=disk0,format=raw,file=%s%s", o->disk, o->snapshot ? ",snapshot=on" : "");
		argv_add(&a, "-device");
		argv_add(&a, "virtio-blk-pci,drive=disk0,bootindex=1");
	}
	if (o->kernel) {
		argv_add(&a, "-kernel");
		argv_add(&a, o->kernel);
		argv_add(&a, "-initrd");
		argv_add(&a, o->initrd);
		argv_add(&a, "-append");
		argv_add(&a, o->append);
	}
	if (sock) {
		argv_add(&a, "-chardev");
		argv_addf(&a, "socket,id=chrtpm,path=%s", sock);
		argv_add(&a, "-tpmdev");
		argv_add(&a, "emulator,id=tpm0,chardev=chrtpm");
		argv_add(&a, "-device");
		argv_add(&a, "tpm-tis,tpmdev=tpm0");
	}
	if (o->netdev) {
		argv_add(&a, "-netdev");
		argv_add(&a, o->netdev);
		argv_add(&a, "-device");
		argv_add(&a, "virtio-net-pci,netdev=net0,romfile=");
	} else if (!o->netdev2) {
		argv_add(&a, "-net");
		argv_add(&a, "none");
	}
	if (o->netdev2) {
		argv_add(&a, "-netdev");
		argv_add(&a, o->netdev2);
		argv_add(&a, "-device");
		argv_add(&a, "virtio-net-pci,netdev=net1,mac=52:54:00:52:50:02,romfile=");
	}
	argv_add(&a, "-device");
	argv_add(&a, "virtio-rng-pci");
	argv_add(&a, "-display");
	argv_add(&a, "none");
	argv_add(&a, "-vga");
	argv_add(&a, "none");
	argv_add(&a, "-no-reboot");
	argv_add(&a, "-serial");
	if (o->serial_log && strchr(o->serial_log, ':'))
		argv_add(&a, o->serial_log); /* a QEMU chardev spec, e.g. pipe:PATH */
	else if (o->serial_log)
		argv_addf(&a, "file:%s", o->serial_log);
	else
		argv_add(&a, o->headless ? "null" : "mon:stdio");
	if (o->headless || o->serial_log) {
		argv_add(&a, "-monitor");
		argv_add(&a, "none");
	}
	if (a.error)
		return a.error;
	qemu = spawn_argv(&a, o->headless || o->serial_log);
	if (qemu < 0) {
		r = qemu;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t w = waitpid(qemu, &st, WNOHANG);

		if (w == qemu) {
			r = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
		if (w < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((o->timeout_s && t.tv_sec - t0.tv_sec >= (time_t)o->timeout_s) ||
		    (o->done_marker && o->serial_log && file_contains(o->serial_log, o->done_marker))) {
			bool timed_out = !(o->done_marker && o->serial_log && file_contains(o->serial_log, o->done_marker));

			kill(qemu, SIGTERM);
			waitpid(qemu, &st, 0);
			r = timed_out ? -ETIMEDOUT : 0;
			break;
		}
		usleep(200000);
	}
out:
	if (!o->vars_in_place)
		unlink(vars);
	if (tpm_pid > 0) {
		kill(tpm_pid, SIGTERM);
		waitpid(tpm_pid, NULL, 0);
	}
	return r;
}
