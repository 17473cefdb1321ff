// Package mazeplot draws Maze2D layouts with gonum/plot: the wall boxes where the simulator puts them
// (qpos frame, wall cell (w, h) covering [w-0.7, w+0.3] x [h-0.7, h+0.3]), the goal cell, and paths of
// the particle, each in its own colour with its start marked by a circle and its end by a triangle.
// The picture is oriented like the maze string and Diffuser's renders: qpos y runs to the right and
// qpos x downwards, so row w of the string is row w of the image. WriteGridPNG tiles several mazes (or
// any plots) on one PNG, e.g. for a notebook.
package mazeplot
