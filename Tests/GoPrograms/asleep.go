// Every goroutine blocked: the Go runtime's own "all goroutines are asleep" fatal error.
package main

import "sync"

func main() {
	var done sync.WaitGroup
	orders := make(chan string)
	done.Add(1)
	go func() {
		defer done.Done()
		orders <- "order 1" // nobody receives
	}()
	done.Wait()
}
