// Goroutines leaked in the usual ways, then a panic with GOTRACEBACK=all: the dump a
// crashing Go service leaves in its log.
package main

import (
	"sync"
	"time"
)

func waitForResult(results chan int) { <-results }

func main() {
	var registry sync.Mutex
	var started sync.WaitGroup
	results := make(chan int)
	for i := 0; i < 3; i++ {
		go waitForResult(results)
	}
	registry.Lock()
	go func() { registry.Lock() }()
	started.Add(1)
	go func() { started.Wait() }()
	go func() { select {} }()
	go func() { time.Sleep(time.Hour) }()
	time.Sleep(300 * time.Millisecond)
	panic("leaks: dumping every goroutine")
}
