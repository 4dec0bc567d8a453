package public

import (
	"math"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// The office map: a small SVG drawn on the server, so it costs no tile
// server, no third-party request and no script. It is a plain
// equirectangular frame (longitude and latitude as x and y, one scale for
// both) around the offices that have coordinates, with a graticule every
// ten degrees and a labelled point per office; no country outlines, which
// would need outline data the page does not need to place its offices.

// mapWidth and mapMaxHeight bound the drawing, in SVG units.
const (
	mapWidth     = 640.0
	mapMaxHeight = 360.0
	// mapMinSpan is the smallest span, in degrees, a map shows: a lone
	// office, or two in one city, still sit in a readable region.
	mapMinSpan = 12.0
)

// OfficeMap is what the template draws.
type OfficeMap struct {
	Width, Height float64
	Lines         []MapLine
	Points        []MapPoint
}

// MapLine is a graticule line from (X1, Y1) to (X2, Y2); Equator marks the
// one at latitude 0.
type MapLine struct {
	X1, Y1, X2, Y2 float64
	Equator        bool
}

// MapPoint is an office placed on the map; its label goes on the side
// with room for it (Anchor "start" or "end", at LabelX).
type MapPoint struct {
	X, Y           float64
	Name, City     string
	LabelX, LabelY float64
	Anchor         string
}

// officeMap places the offices that have coordinates; nil when none has.
func officeMap(offices []directory.Office) *OfficeMap {
	var placed []directory.Office
	minLat, maxLat, minLon, maxLon := 90.0, -90.0, 180.0, -180.0
	for _, f := range offices {
		if f.Latitude == nil || f.Longitude == nil {
			continue
		}
		placed = append(placed, f)
		minLat, maxLat = math.Min(minLat, *f.Latitude), math.Max(maxLat, *f.Latitude)
		minLon, maxLon = math.Min(minLon, *f.Longitude), math.Max(maxLon, *f.Longitude)
	}
	if len(placed) == 0 {
		return nil
	}
	// A margin of a fifth of the span (at least mapMinSpan in all), then
	// one scale for both axes: the frame grows along the other one.
	latSpan := math.Max((maxLat-minLat)*1.4, mapMinSpan)
	lonSpan := math.Max((maxLon-minLon)*1.4, mapMinSpan)
	scale := math.Min(mapWidth/lonSpan, mapMaxHeight/latSpan)
	height := math.Min(mapMaxHeight, math.Max(latSpan*scale, 200))
	lonSpan, latSpan = mapWidth/scale, height/scale
	west := (minLon+maxLon)/2 - lonSpan/2
	north := math.Min((minLat+maxLat)/2+latSpan/2, 90)
	x := func(lon float64) float64 { return round1((lon - west) * scale) }
	y := func(lat float64) float64 { return round1((north - lat) * scale) }

	m := &OfficeMap{Width: mapWidth, Height: round1(height)}
	for lon := math.Ceil(west/10) * 10; lon <= west+lonSpan; lon += 10 {
		m.Lines = append(m.Lines, MapLine{X1: x(lon), Y1: 0, X2: x(lon), Y2: m.Height})
	}
	for lat := math.Floor(north/10) * 10; lat >= north-latSpan; lat -= 10 {
		m.Lines = append(m.Lines, MapLine{X1: 0, Y1: y(lat), X2: m.Width, Y2: y(lat), Equator: lat == 0})
	}
	for _, f := range placed {
		p := MapPoint{X: x(*f.Longitude), Y: y(*f.Latitude), Name: f.Name, City: f.City, Anchor: "start"}
		p.LabelX, p.LabelY = p.X+9, p.Y+4
		if p.X > m.Width*0.7 {
			p.LabelX, p.Anchor = p.X-9, "end"
		}
		m.Points = append(m.Points, p)
	}
	return m
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
