package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz answers as long as the process serves HTTP.
func (s *Server) healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// DependencyState is one dependency's line in /readyz: its state only.
// /readyz is public, so why a probe failed (addresses, driver messages)
// goes to the log, never into the answer.
type DependencyState struct {
	State string `json:"state"` // up, down, degraded
}

// readyz probes every dependency in parallel, each within two seconds. A
// required one that is down makes it 503; an optional one is "degraded".
// Each failure is logged with its error.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	states := make(map[string]DependencyState, len(s.checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	status, overall := http.StatusOK, "ready"
	for _, chk := range s.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := chk.Probe(ctx)
			st := DependencyState{State: "up"}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				st = DependencyState{State: "degraded"}
				if chk.Required {
					st.State = "down"
					status, overall = http.StatusServiceUnavailable, "unavailable"
				} else if overall == "ready" {
					overall = "degraded"
				}
			}
			if err != nil {
				s.Logger(c).Warn("readiness probe failed", "dependency", chk.Name, "state", st.State, "err", err)
			}
			states[chk.Name] = st
		}()
	}
	wg.Wait()
	c.Header("Cache-Control", "no-store")
	c.JSON(status, gin.H{"status": overall, "dependencies": states})
}
