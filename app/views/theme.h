// Sizes and colours of the views. The classroom theme is meant to be read on
// a projector from the back of a room; presentation mode enlarges everything
// and raises contrast further.
#pragma once

#include "app/views/canvas.h"
#include "app/views/colour_maps.h"

namespace archscope::views {

struct Theme {
  bool presentation = false;
  ColourMap heat = ColourMap::Viridis;

  // Text sizes in pixels.
  float small = 14, normal = 16, large = 19, title = 23;
  float line = 1.5f;       // default stroke
  float pad = 10;          // gap between elements

  Colour background = rgb(0xFFFFFF);
  Colour panel = rgb(0xF3F4F6);
  Colour text = rgb(0x111111);
  Colour muted = rgb(0x555555);
  Colour grid = rgb(0xC8CCD2);
  Colour accent = rgb(0x0072B2);      // selection, focus
  Colour highlight = rgb(0xE69F00);   // the clicked token's path
  Colour drop = rgb(0xC0392B);        // dropped pairs and overflow, always with a second cue
  Colour capacity = rgb(0x111111);    // the capacity line
  Colour balanced = rgb(0x009E73);    // the perfectly balanced level
  Colour masked = rgb(0xE6E6E6);      // cells no query may see
  Colour masked_hatch = rgb(0xA0A0A0);

  static Theme classroom(ColourMap heat = ColourMap::Viridis);
  static Theme presentation_mode(ColourMap heat = ColourMap::Viridis);

  TextStyle body() const { return {normal, text, Weight::Regular}; }
  TextStyle label() const { return {small, muted, Weight::Regular}; }
  TextStyle heading() const { return {title, text, Weight::Bold}; }
  TextStyle strong() const { return {large, text, Weight::Bold}; }
};

}  // namespace archscope::views
