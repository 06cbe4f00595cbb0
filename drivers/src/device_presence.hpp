// Whether the device behind an open tty is still there (docs/serial-lines.md §5).
//
// A USB modem pulled out is not a carrier loss: the port is opened with CLOCAL, so a DCD
// drop never hangs the tty up, and what is left after an unplug is a descriptor whose tty
// the kernel has hung up. Three cheap signs tell it, none of which a carrier loss gives:
// - poll(2) reports POLLHUP on a hung-up tty (and reads give end of file, writes and
//   ioctls EIO: tty_hung_up_p in the kernel's tty_io.c);
// - the device node is gone (udev and devtmpfs remove /dev/ttyUSB0 when the device is
//   deleted; devpts removes /dev/pts/N when the master side is closed);
// - the path names another device now (st_rdev differs: a by-id link moved, or another
//   adapter took the name).
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <system_error>

namespace dialup::drivers {

class device_presence {
 public:
  // fd: the open port; path: the name it was opened by (a symlink is followed each
  // time); rdev: the st_rdev of fd when it was opened.
  device_presence(int fd, std::string path, dev_t rdev) : fd_(fd), path_(std::move(path)), rdev_(rdev) {}

  // Empty while the device is there. Otherwise EIO (POLLHUP: the tty was hung up) or
  // ENXIO (the node is gone or names another device). Never blocks: a poll(2) with a zero
  // timeout and a stat(2).
  std::error_code check() const;

 private:
  int fd_;
  std::string path_;
  dev_t rdev_;
};

}  // namespace dialup::drivers
