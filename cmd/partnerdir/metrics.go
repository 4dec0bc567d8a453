package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/partnerdir/partnerdir/internal/app"
)

// serveMetrics answers GET /metrics on METRICS_ADDR, a listener of its
// own: the public router never serves it. stop shuts it down; with
// METRICS_ADDR=off it does nothing.
func serveMetrics(a *app.App) (stop func(), err error) {
	addr := a.Config.MetricsAddr
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("METRICS_ADDR %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           a.Metrics.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		a.Log.Warn("metrics are reachable beyond this machine: keep METRICS_ADDR off public networks", "addr", ln.Addr().String())
	}
	a.Log.Info("serving metrics", "addr", ln.Addr().String(), "path", "/metrics")
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("metrics endpoint stopped", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}
