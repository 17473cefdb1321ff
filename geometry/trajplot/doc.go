// Package trajplot draws geometric trajectories with gonum/plot: the paths of the nodes of an N-body
// trajectory projected onto two coordinate axes, one colour per node, the first frame marked with a
// circle and the last with a triangle, optionally over a dashed reference (e.g. the ground truth of
// a forecast). The projection keeps equal scales on both axes so that geometry is not distorted.
// Views gives the three projections of a 3-D trajectory (xy, xz, yz), and WriteGridPNG tiles rows of
// plots on one PNG (notebooks display it inline).
package trajplot
