package main

import (
	"log/slog"
	"syscall"
)

// raiseFileLimit lifts the soft open-file limit to the hard limit. Every
// HTTP/1.1 Subscribe stream holds a socket, and the usual soft limit of 1,024
// would cap a server at about a thousand open widgets however much memory it
// has; the hard limit is what the administrator allows. A failure only
// warns: the server still works, with fewer streams.
func raiseFileLimit(log *slog.Logger) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		log.Warn("could not read the open-file limit", "err", err)
		return
	}
	if lim.Cur < lim.Max {
		want := lim
		want.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			log.Warn("could not raise the open-file limit; it caps the number of open streams", "limit", lim.Cur, "err", err)
			return
		}
		lim = want
	}
	log.Debug("open-file limit", "files", lim.Cur)
}
