// The Go baseline for deadtop-bench's hand-off figures: the same five measures, taken
// with goroutines, channels and sync.Mutex, printed one per line as "name ns/op" (the
// best of the given rounds) for deadtop-bench to set beside its own.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

var sink int

func best(rounds, operations int, body func()) float64 {
	bestNs := -1.0
	for round := 0; round < rounds; round++ {
		start := time.Now()
		body()
		ns := float64(time.Since(start).Nanoseconds()) / float64(operations)
		if bestNs < 0 || ns < bestNs {
			bestNs = ns
		}
	}
	return bestNs
}

func pingPong(trips int) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for i := 0; i < trips; i++ {
			pong <- <-ping
		}
	}()
	for i := 0; i < trips; i++ {
		ping <- i
		sink += <-pong
	}
}

func buffered(items int) {
	queue := make(chan int, 64)
	done := make(chan int)
	go func() {
		sum := 0
		for i := 0; i < items; i++ {
			sum += <-queue
		}
		done <- sum
	}()
	for i := 0; i < items; i++ {
		queue <- i
	}
	sink += <-done
}

func alone(pairs int) {
	channel := make(chan int, 1)
	for i := 0; i < pairs; i++ {
		channel <- i
		sink += <-channel
	}
}

func uncontended(iterations int) {
	var mutex sync.Mutex
	for i := 0; i < iterations; i++ {
		mutex.Lock()
		sink++
		mutex.Unlock()
	}
}

// Two goroutines take turns at one mutex as fast as they can; per acquisition.
func contended(iterations int) {
	var mutex sync.Mutex
	var group sync.WaitGroup
	counter := 0
	for worker := 0; worker < 2; worker++ {
		group.Add(1)
		go func() {
			defer group.Done()
			for i := 0; i < iterations/2; i++ {
				mutex.Lock()
				counter++
				mutex.Unlock()
			}
		}()
	}
	group.Wait()
	sink += counter
}

func main() {
	rounds := 7
	if len(os.Args) > 1 {
		if parsed, err := strconv.Atoi(os.Args[1]); err == nil {
			rounds = parsed
		}
	}
	measures := []struct {
		name       string
		operations int
		run        func(int)
	}{
		{"ping-pong", 20000, pingPong},
		{"buffered", 500000, buffered},
		{"alone", 2000000, alone},
		{"uncontended-mutex", 20000000, uncontended},
		{"contended-mutex", 2000000, contended},
	}
	for _, measure := range measures {
		ns := best(rounds, measure.operations, func() { measure.run(measure.operations) })
		fmt.Printf("%s %.2f\n", measure.name, ns)
	}
}
