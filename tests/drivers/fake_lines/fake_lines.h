/* fake_lines — a test-only LD_PRELOAD library that gives pty slaves modem-control lines.
 *
 * A pty has no modem-control lines: TIOCMGET, TIOCMSET, TIOCMBIS, TIOCMBIC, TIOCMIWAIT and
 * TIOCGICOUNT fail with ENOTTY or EINVAL (docs/interop.md). Preloaded, this library
 * answers those six ioctls for every UNIX 98 pty slave descriptor (character devices of
 * majors 136-143) from one set of lines the test drives; every other ioctl, and these on
 * any other descriptor, go to the real ioctl(2).
 *
 * The lines behave as an 8250 UART's (ioctl_tty(2), "Modem control"): DTR and RTS are
 * the outputs, set by TIOCMSET/TIOCMBIS/TIOCMBIC and reported by TIOCMGET; DCD, DSR, CTS
 * and RI are the inputs, set by the test. TIOCGICOUNT counts every change of DCD, DSR and
 * CTS and the trailing edge of RI; TIOCMIWAIT sleeps until a counter of a line in its
 * mask moves, and returns EINTR when a signal interrupts it (as the kernel does for a
 * handler without SA_RESTART).
 *
 * The test finds these functions with dlsym(RTLD_DEFAULT, ...): a test program is not
 * linked with the library, so it runs (and can say that it needs the preload) without it.
 * Every function is thread-safe.
 */
#ifndef DIALUP_FAKE_LINES_H
#define DIALUP_FAKE_LINES_H

#ifdef __cplusplus
extern "C" {
#endif

/* Modes, or-ed together (dialup_fake_lines_set_mode). */
enum {
  DIALUP_FAKE_LINES_ON = 1,          /* answer for pty slaves (off: the real ioctl, ENOTTY) */
  DIALUP_FAKE_LINES_NO_MIWAIT = 2,   /* TIOCMIWAIT fails with ENOTTY, as drivers without it */
  DIALUP_FAKE_LINES_NO_ICOUNT = 4,   /* TIOCGICOUNT fails with EINVAL, as drivers without it */
  DIALUP_FAKE_LINES_UNPLUGGED = 8,   /* all six fail with EIO; sleeping TIOCMIWAITs wake with EIO */
  DIALUP_FAKE_LINES_STUCK_DTR = 16,  /* DTR keeps its level whatever is asked */
  DIALUP_FAKE_LINES_STUCK_RTS = 32,  /* RTS keeps its level whatever is asked */
  /* The next dialup_fake_lines_set() is missed by the TIOCMIWAITs sleeping then, as a
   * change between a watcher's last read and its entry into TIOCMIWAIT is (the kernel's
   * wait compares with the counters it found on entry); the bit clears itself. */
  DIALUP_FAKE_LINES_MISS_NEXT = 64
};

/* Back to the start: mode ON, outputs DTR|RTS (as Linux leaves them after an open),
 * inputs low, counters zero, call counters zero. */
void dialup_fake_lines_reset(void);
void dialup_fake_lines_set_mode(int mode);
int dialup_fake_lines_mode(void);
/* Sets the inputs (TIOCM_CD | TIOCM_DSR | TIOCM_CTS | TIOCM_RI): counters move for each
 * line that changed (RI on its fall), sleeping TIOCMIWAITs wake. */
void dialup_fake_lines_set(int inputs);
/* One ring pulse: RI up and down at once, rng + 1; the level stays low. */
void dialup_fake_lines_pulse_ring(void);
/* The outputs now (TIOCM_DTR | TIOCM_RTS). */
int dialup_fake_lines_outputs(void);
/* How many TIOCMIWAITs are sleeping now. */
int dialup_fake_lines_waiters(void);
/* Waits up to timeout_ms for a TIOCMIWAIT that was entered after the last change of the
 * inputs, by a thread whose TIOCMGET before it saw that change: the watcher has caught up.
 * 1 when there is one, 0 on timeout. */
int dialup_fake_lines_wait_caught_up(int timeout_ms);
/* How many times an ioctl was answered by the fake (TIOCMGET, TIOCMIWAIT, ...). */
unsigned long dialup_fake_lines_calls(unsigned long request);

#ifdef __cplusplus
}
#endif

#endif
