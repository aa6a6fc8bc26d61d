package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// row is one line of the results table.
type row struct {
	figure, value, baseline, ratio, target, met string
}

// report collects the table and the details behind it.
type report struct {
	rows    []row
	details []string
}

func (r *report) add(x row) { r.rows = append(r.rows, x) }

func (r *report) detail(format string, args ...any) {
	r.details = append(r.details, fmt.Sprintf(format, args...))
}

// skip records a figure that could not be measured, with the reason.
func (r *report) skip(figure string, err error) {
	v := "error: " + oneLine(err.Error())
	if errors.Is(err, errUnavailable) {
		v = "n/a — " + oneLine(err.Error())
	}
	r.add(row{figure: figure, value: v, baseline: "", ratio: "", target: "", met: "—"})
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// write prints the table as Markdown, readable in a terminal and pasted
// as-is into docs/benchmarks.md.
func (r *report) write(w io.Writer) {
	hdr := row{"Figure", "Measured", "Baseline (same run)", "Ratio", "Target", "Met"}
	rows := append([]row{hdr}, r.rows...)
	width := make([]int, 6)
	for _, x := range rows {
		for i, c := range x.cells() {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-len([]rune(c))) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(hdr.cells())
	sep := make([]string, 6)
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, x := range r.rows {
		line(x.cells())
	}
	if len(r.details) > 0 {
		fmt.Fprintln(w)
		for _, d := range r.details {
			fmt.Fprintln(w, "- "+d)
		}
	}
}

func (x row) cells() []string {
	return []string{x.figure, x.value, x.baseline, x.ratio, x.target, x.met}
}

// yesNo renders whether a target was met.
func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func fmtRatio(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	return fmt.Sprintf("%.2f", x)
}

func fmtMS(x float64) string {
	switch {
	case math.IsNaN(x):
		return "—"
	case x < 10:
		return fmt.Sprintf("%.2f ms", x)
	default:
		return fmt.Sprintf("%.1f ms", x)
	}
}

// fmtInt prints an integer with thousands separators.
func fmtInt(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + fmtInt(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func fmtKB(bytes float64) string {
	return fmt.Sprintf("%.1f KB", bytes/1024)
}
