// A busy, healthy service: an HTTP server with a client calling it, workers ranging over
// a jobs channel a ticker feeds, a sleeper. It dumps its goroutines with SIGQUIT, as an
// operator would with kill -QUIT, after it has run a while.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"
)

func main() {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond)
		fmt.Fprintln(w, "ok")
	})
	go http.Serve(listener, nil)
	go func() {
		for {
			response, err := http.Get("http://" + listener.Addr().String() + "/")
			if err == nil {
				io.Copy(io.Discard, response.Body)
				response.Body.Close()
			}
		}
	}()
	jobs := make(chan int)
	for i := 0; i < 4; i++ {
		go func() {
			for job := range jobs {
				_ = job * job
			}
		}()
	}
	go func() {
		ticker := time.NewTicker(10 * time.Millisecond)
		for i := 0; ; i++ {
			<-ticker.C
			jobs <- i
		}
	}()
	go func() { time.Sleep(time.Hour) }()
	time.Sleep(500 * time.Millisecond)
	syscall.Kill(os.Getpid(), syscall.SIGQUIT)
	time.Sleep(time.Second)
}
