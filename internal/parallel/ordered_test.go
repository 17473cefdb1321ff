package parallel

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Items finish out of order, yet consume sees each index once, in order, for any number of workers.
func TestOrderedKeepsOrder(t *testing.T) {
	for _, workers := range []int{1, 2, 5, 64} {
		next := 3
		err := Ordered(context.Background(), 3, 40, workers,
			func(_ context.Context, i int) (int, error) {
				time.Sleep(time.Duration((i*7919)%5) * 50 * time.Microsecond)
				return i * i, nil
			},
			func(i, v int) error {
				if i != next || v != i*i {
					t.Fatalf("workers %d: consumed (%d, %d), want index %d", workers, i, v, next)
				}
				next++
				return nil
			})
		if err != nil || next != 40 {
			t.Fatalf("workers %d: err %v, stopped at %d", workers, err, next)
		}
	}
}

func TestOrderedStopsAtFirstError(t *testing.T) {
	boom := errors.New("boom")
	err := Ordered(context.Background(), 0, 1000, 4,
		func(_ context.Context, i int) (int, error) {
			if i == 17 {
				return 0, boom
			}
			return i, nil
		},
		func(i, v int) error { return nil })
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
}
