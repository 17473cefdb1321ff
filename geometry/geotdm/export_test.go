package geotdm

// PairForecastPacked exposes Pair.forecastPacked (packed conditions) to the external tests.
var PairForecastPacked = (*Pair).forecastPacked
