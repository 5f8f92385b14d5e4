/* C API of the IEC 62056-21 mode C session (joule_meter_session_*): the handshake driven
 * step by step with scripted meter bytes, then end to end through a pseudo-terminal with a
 * simulated meter in a child process (request at 300 baud, identification, ACK option
 * select, termios baud switch to 9600 read back by the meter, data message with BCC), the readout decoded with
 * joule_meter_decode; programming mode and the errors. */
#define _DEFAULT_SOURCE 1
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "joule.h"
#include "check.h"

static const char kBody[] = "1.8.0(0001234.5*kWh)\r\n2.8.0(0000012.3*kWh)\r\n!\r\n\003";

/* STX body BCC into out; returns its length. */
static size_t data_message(unsigned char* out, int corrupt) {
  size_t n = 0, i;
  unsigned char bcc = 0;
  out[n++] = 0x02;
  for (i = 0; kBody[i] != 0; ++i) {
    out[n++] = (unsigned char)kBody[i];
    bcc ^= (unsigned char)kBody[i];
  }
  out[n++] = (unsigned char)(corrupt ? bcc ^ 1 : bcc);
  return n;
}

static int step_bytes_are(const joule_meter_session_step* st, const char* s) {
  return st->action == JOULE_METER_SESSION_SEND && st->bytes_len == strlen(s) && memcmp(st->bytes, s, st->bytes_len) == 0;
}

static void test_scripted(void) {
  joule_meter_session* s = NULL;
  joule_meter_session_options o;
  joule_meter_session_step st;
  unsigned char msg[256];
  size_t n, len = 0;
  const uint8_t* ro = NULL;
  uint32_t baud = 0;
  int hdlc = -1;
  char ident[64];
  joule_meter_telegram t;
  joule_meter_reading r[8];
  char text[1024];
  size_t need = 0;

  joule_meter_session_options_init(&o);
  o.max_baud = 9600;
  o.address = "12345678";
  CHECK(joule_meter_session_create(&o, &s) == JOULE_OK);
  CHECK(joule_meter_session_start(s, &st) == JOULE_OK);
  CHECK(st.action == JOULE_METER_SESSION_SET_BAUD && st.baud == 300);
  CHECK(joule_meter_session_baud_set(s, &st) == JOULE_OK);
  CHECK(step_bytes_are(&st, "/?12345678!\r\n"));
  CHECK(joule_meter_session_sent(s, &st) == JOULE_OK);
  CHECK(st.action == JOULE_METER_SESSION_RECEIVE && st.timeout_ms == 1500);
  CHECK(joule_meter_session_feed(s, (const uint8_t*)"/LGZ6ZMD", 8, &st) == JOULE_OK);
  CHECK(st.action == JOULE_METER_SESSION_RECEIVE);
  CHECK(joule_meter_session_feed(s, (const uint8_t*)"\r\n", 2, &st) == JOULE_OK);
  CHECK(step_bytes_are(&st, "\006050\r\n")); /* 19200 offered, 9600 allowed */
  CHECK(joule_meter_session_sent(s, &st) == JOULE_OK);
  CHECK(st.action == JOULE_METER_SESSION_SET_BAUD && st.baud == 9600);
  CHECK(joule_meter_session_baud_set(s, &st) == JOULE_OK);
  CHECK(st.action == JOULE_METER_SESSION_RECEIVE);
  CHECK(joule_meter_session_readout(s, &ro, &len) == JOULE_NOT_FOUND);
  n = data_message(msg, 0);
  CHECK(joule_meter_session_feed(s, msg, n, &st) == JOULE_OK);
  CHECK(st.action == JOULE_METER_SESSION_DONE);
  CHECK(joule_meter_session_identification(s, ident, sizeof ident, &len) == JOULE_OK);
  CHECK(strcmp(ident, "LGZ6ZMD") == 0);
  CHECK(joule_meter_session_data_baud(s, &baud, &hdlc) == JOULE_OK && baud == 9600 && hdlc == 0);
  CHECK(joule_meter_session_readout(s, &ro, &len) == JOULE_OK && len > n);
  {
    joule_meter_options d;
    joule_meter_options_init(&d);
    d.protocol = JOULE_METER_IEC62056_21;
    CHECK(joule_meter_decode(ro, len, &d, &t, r, 8, text, sizeof text, &need) == JOULE_OK);
    CHECK(t.reading_count == 2);
    CHECK(t.reading_count == 2 && strstr(r[0].id, "1.8.0") != NULL && r[0].number.mantissa == 12345 && r[0].number.exponent == -1);
    CHECK(strcmp(t.identifier, "LGZ6ZMD") == 0);
  }
  /* A wrong BCC fails the session with checksum_mismatch; the message is in joule_last_error. */
  joule_meter_session_start(s, &st);
  joule_meter_session_baud_set(s, &st);
  joule_meter_session_sent(s, &st);
  joule_meter_session_feed(s, (const uint8_t*)"/ISK5ME162\r\n", 12, &st);
  joule_meter_session_sent(s, &st);
  joule_meter_session_baud_set(s, &st);
  n = data_message(msg, 1);
  CHECK(joule_meter_session_feed(s, msg, n, &st) == JOULE_OK);
  CHECK(st.action == JOULE_METER_SESSION_FAILED && st.error == JOULE_CHECKSUM_MISMATCH);
  CHECK(strstr(joule_last_error(), "BCC") != NULL || strstr(joule_last_error(), "block check") != NULL);
  /* Silence: incomplete. */
  joule_meter_session_start(s, &st);
  joule_meter_session_baud_set(s, &st);
  joule_meter_session_sent(s, &st);
  CHECK(joule_meter_session_timeout(s, &st) == JOULE_OK && st.action == JOULE_METER_SESSION_FAILED &&
        st.error == JOULE_INCOMPLETE);
  joule_meter_session_destroy(s);

  /* Programming mode: password request, P1, read R1, break B0. */
  joule_meter_session_options_init(&o);
  o.mode_control = '1';
  CHECK(joule_meter_session_create(&o, &s) == JOULE_OK);
  joule_meter_session_start(s, &st);
  joule_meter_session_baud_set(s, &st);
  joule_meter_session_sent(s, &st);
  joule_meter_session_feed(s, (const uint8_t*)"/ISk5MT174-0001\r\n", 17, &st);
  CHECK(step_bytes_are(&st, "\006051\r\n"));
  joule_meter_session_sent(s, &st);
  joule_meter_session_baud_set(s, &st);
  {
    /* SOH P0 STX (12345678) ETX BCC */
    unsigned char p0[32] = {0x01, 'P', '0', 0x02, '(', '1', '2', '3', '4', '5', '6', '7', '8', ')', 0x03, 0};
    unsigned char b = 0;
    int i;
    for (i = 1; i < 15; ++i) b ^= p0[i];
    p0[15] = b;
    CHECK(joule_meter_session_feed(s, p0, 16, &st) == JOULE_OK && st.action == JOULE_METER_SESSION_READY);
    CHECK(joule_meter_session_reply(s, ident, sizeof ident, &len) == JOULE_OK && strcmp(ident, "(12345678)") == 0);
  }
  CHECK(joule_meter_session_command(s, JOULE_METER_CMD_P1, "(00000000)", &st) == JOULE_OK);
  CHECK(st.action == JOULE_METER_SESSION_SEND && st.bytes_len == 16 && st.bytes[0] == 0x01 && st.bytes[1] == 'P');
  joule_meter_session_sent(s, &st);
  CHECK(joule_meter_session_feed(s, (const uint8_t*)"\006", 1, &st) == JOULE_OK && st.action == JOULE_METER_SESSION_READY);
  CHECK(joule_meter_session_command(s, JOULE_METER_CMD_B0, NULL, &st) == JOULE_OK && st.bytes_len == 5);
  CHECK(joule_meter_session_sent(s, &st) == JOULE_OK && st.action == JOULE_METER_SESSION_DONE);
  CHECK(joule_meter_session_command(s, (joule_meter_command)9, NULL, &st) == JOULE_INVALID_ARGUMENT);
  joule_meter_session_destroy(s);

  o.mode_control = 'x';
  CHECK(joule_meter_session_create(&o, &s) == JOULE_INVALID_ARGUMENT && s == NULL);
  joule_meter_session_options_init(&o);
  o.address = "123456789012345678901234567890123"; /* 33 characters */
  CHECK(joule_meter_session_create(&o, &s) == JOULE_INVALID_ARGUMENT);
  CHECK(joule_meter_session_start(NULL, &st) == JOULE_INVALID_ARGUMENT);
}

/* ---- through a pseudo-terminal ---- */

static int set_line(int fd, speed_t sp) {
  struct termios t;
  if (tcgetattr(fd, &t) != 0) return -1;
  cfmakeraw(&t);
  t.c_cflag &= ~(tcflag_t)(CSIZE | CSTOPB | PARODD);
  t.c_cflag |= CS7 | PARENB | CREAD | CLOCAL;
  cfsetispeed(&t, sp);
  cfsetospeed(&t, sp);
  if (tcsetattr(fd, TCSANOW, &t) == 0) return 0;
  /* A pty keeps 8 bits without parity (glibc then says EINVAL): fine when the rate took. */
  return tcgetattr(fd, &t) == 0 && cfgetospeed(&t) == sp ? 0 : -1;
}

static speed_t speed_of(uint32_t baud) {
  switch (baud) {
    case 300: return B300;
    case 600: return B600;
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    default: return B19200;
  }
}

/* Reads into buf until it ends with CR LF (or 3 s pass); returns the length. */
static size_t read_line(int fd, char* buf, size_t cap) {
  size_t n = 0;
  while (n + 1 < cap) {
    struct pollfd p;
    ssize_t k;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, 3000) <= 0) break;
    k = read(fd, buf + n, 1);
    if (k <= 0) break;
    n += (size_t)k;
    if (n >= 2 && buf[n - 2] == '\r' && buf[n - 1] == '\n') break;
  }
  buf[n] = 0;
  return n;
}

/* The simulated meter (child): exit code 0 when the master saw the right bytes and settings. */
static int meter(int master) {
  char line[64];
  struct termios t;
  unsigned char msg[256];
  size_t n;
  int i;
  if (read_line(master, line, sizeof line) == 0 || strcmp(line, "/?!\r\n") != 0) return 10;
  tcgetattr(master, &t);
  if (cfgetospeed(&t) != B300) return 11; /* the rate the driver set (a pty shows no parity) */
  if (write(master, "/ISk5MT174-0001\r\n", 17) != 17) return 12;
  if (read_line(master, line, sizeof line) == 0 || strcmp(line, "\006050\r\n") != 0) return 13;
  for (i = 0; i < 200; ++i) { /* the driver switches to 9600 after the ACK */
    tcgetattr(master, &t);
    if (cfgetospeed(&t) == B9600) break;
    usleep(10000);
  }
  if (i == 200) return 14;
  n = data_message(msg, 0);
  if (write(master, msg, n) != (ssize_t)n) return 15;
  usleep(300000); /* keep the master open while the driver reads */
  return 0;
}

static void test_pty(void) {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  int fd, status = -1;
  pid_t pid;
  joule_meter_session* s = NULL;
  joule_meter_session_step st;
  unsigned char buf[256];
  const uint8_t* ro = NULL;
  size_t len = 0;
  int steps = 0;
  CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
  fd = open(ptsname(master), O_RDWR | O_NOCTTY);
  CHECK(fd >= 0);
  CHECK(set_line(fd, B300) == 0);
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid == 0) {
    close(fd);
    _exit(meter(master));
  }
  CHECK(joule_meter_session_create(NULL, &s) == JOULE_OK);
  joule_meter_session_start(s, &st);
  while (st.action != JOULE_METER_SESSION_DONE && st.action != JOULE_METER_SESSION_FAILED && ++steps < 200) {
    if (st.action == JOULE_METER_SESSION_SEND) {
      CHECK(write(fd, st.bytes, st.bytes_len) == (ssize_t)st.bytes_len);
      joule_meter_session_sent(s, &st);
    } else if (st.action == JOULE_METER_SESSION_SET_BAUD) {
      tcdrain(fd);
      CHECK(set_line(fd, speed_of(st.baud)) == 0);
      joule_meter_session_baud_set(s, &st);
    } else if (st.action == JOULE_METER_SESSION_RECEIVE) {
      struct pollfd p;
      p.fd = fd;
      p.events = POLLIN;
      p.revents = 0;
      if (poll(&p, 1, (int)st.timeout_ms) <= 0) {
        joule_meter_session_timeout(s, &st);
      } else {
        ssize_t k = read(fd, buf, sizeof buf);
        if (k <= 0) break;
        joule_meter_session_feed(s, buf, (size_t)k, &st);
      }
    } else {
      break;
    }
  }
  CHECK(st.action == JOULE_METER_SESSION_DONE);
  CHECK(joule_meter_session_readout(s, &ro, &len) == JOULE_OK && len > 40);
  {
    joule_meter_telegram t;
    joule_meter_reading r[8];
    char text[1024];
    size_t need = 0;
    CHECK(joule_meter_decode(ro, len, NULL, &t, r, 8, text, sizeof text, &need) == JOULE_OK);
    CHECK(strcmp(t.identifier, "ISk5MT174-0001") == 0);
    CHECK(t.reading_count == 2 && r[1].number.mantissa == 123 && r[1].number.exponent == -1);
  }
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) fprintf(stderr, "meter child status %d\n", status);
  joule_meter_session_destroy(s);
  close(fd);
  close(master);
}

/* 7E1 in software: the request as it leaves over an 8N1 link, and a reply with one bad character. */
static void test_parity(void) {
  uint8_t req[] = {'/', '?', '!', '\r', '\n'};
  uint8_t reply[] = {'/', 'I', 'S', 'k', '5'};
  size_t bad = 99, i;
  joule_meter_parity_add_even(req, sizeof req);
  CHECK(req[0] == 0xAF && req[1] == 0x3F && req[2] == 0x21 && req[3] == 0x8D && req[4] == 0x0A);
  CHECK(joule_meter_parity_strip_even(req, sizeof req, &bad) == JOULE_OK);
  CHECK(bad == sizeof req && req[0] == '/' && req[3] == '\r');
  joule_meter_parity_add_even(reply, sizeof reply);
  reply[3] ^= 0x80; /* a bit flipped on the line */
  CHECK(joule_meter_parity_strip_even(reply, sizeof reply, &bad) == JOULE_CHECKSUM_MISMATCH);
  CHECK(bad == 3);
  for (i = 0; i < sizeof reply; ++i) CHECK(reply[i] < 0x80);
  CHECK(strstr(joule_last_error(), "parity") != NULL);
  CHECK(joule_meter_parity_strip_even(NULL, 0, NULL) == JOULE_OK);
}

int main(void) {
  test_parity();
  test_scripted();
  test_pty();
  return check_report("meter_session");
}
