// Canvas calls as QPainter calls.
#include "app/window/painter_canvas.h"

#include <QFontMetricsF>
#include <QImage>
#include <QPainterPath>
#include <QPolygonF>

namespace archscope::window {

namespace {

QColor qcol(views::Colour c) { return QColor::fromRgbF(c.r, c.g, c.b, c.a); }
QRectF qrect(const views::Rect& r) { return QRectF(r.min.x, r.min.y, r.width(), r.height()); }
QString qstr(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

}  // namespace

PainterCanvas::PainterCanvas(QPainter& painter) : painter_(painter) {
  painter_.setRenderHint(QPainter::Antialiasing, true);
  painter_.setRenderHint(QPainter::TextAntialiasing, true);
}

QFont PainterCanvas::font(const views::TextStyle& style) const {
  QFont f("DejaVu Sans");
  f.setPixelSize(std::max(1, static_cast<int>(std::lround(style.size))));
  f.setBold(style.weight == views::Weight::Bold);
  return f;
}

void PainterCanvas::fill_rect(const views::Rect& r, views::Colour c, float rounding) {
  painter_.setPen(Qt::NoPen);
  painter_.setBrush(qcol(c));
  if (rounding > 0) painter_.drawRoundedRect(qrect(r), rounding, rounding);
  else painter_.drawRect(qrect(r));
}

void PainterCanvas::stroke_rect(const views::Rect& r, views::Colour c, float thickness, float rounding) {
  QPen pen(qcol(c), thickness);
  pen.setJoinStyle(Qt::MiterJoin);
  painter_.setPen(pen);
  painter_.setBrush(Qt::NoBrush);
  const float h = thickness / 2;
  QRectF inner = qrect(r).adjusted(h, h, -h, -h);
  if (rounding > 0) painter_.drawRoundedRect(inner, rounding, rounding);
  else painter_.drawRect(inner);
}

void PainterCanvas::line(views::Vec2 a, views::Vec2 b, views::Colour c, float thickness) {
  painter_.setPen(QPen(qcol(c), thickness, Qt::SolidLine, Qt::FlatCap));
  painter_.drawLine(QPointF(a.x, a.y), QPointF(b.x, b.y));
}

void PainterCanvas::fill_convex(std::span<const views::Vec2> corners, views::Colour c) {
  QPolygonF poly;
  for (auto p : corners) poly << QPointF(p.x, p.y);
  painter_.setPen(Qt::NoPen);
  painter_.setBrush(qcol(c));
  painter_.drawConvexPolygon(poly);
}

void PainterCanvas::fill_circle(views::Vec2 centre, float radius, views::Colour c) {
  painter_.setPen(Qt::NoPen);
  painter_.setBrush(qcol(c));
  painter_.drawEllipse(QPointF(centre.x, centre.y), radius, radius);
}

void PainterCanvas::stroke_circle(views::Vec2 centre, float radius, views::Colour c, float thickness) {
  painter_.setPen(QPen(qcol(c), thickness));
  painter_.setBrush(Qt::NoBrush);
  painter_.drawEllipse(QPointF(centre.x, centre.y), radius, radius);
}

void PainterCanvas::text(views::Vec2 pos, std::string_view s, const views::TextStyle& style, bool vertical) {
  const QFont f = font(style);
  painter_.setFont(f);
  painter_.setPen(qcol(style.colour));
  const QFontMetricsF metrics(f);
  if (!vertical) {
    painter_.drawText(QPointF(pos.x, pos.y + metrics.ascent()), qstr(s));
    return;
  }
  const views::Vec2 size = text_size(s, style);
  painter_.save();
  painter_.translate(pos.x, pos.y + size.x);
  painter_.rotate(-90);
  painter_.drawText(QPointF(0, metrics.ascent()), qstr(s));
  painter_.restore();
}

views::Vec2 PainterCanvas::text_size(std::string_view s, const views::TextStyle& style) const {
  const QFontMetricsF metrics(font(style));
  return {static_cast<float>(metrics.horizontalAdvance(qstr(s))), static_cast<float>(metrics.height())};
}

void PainterCanvas::image(const views::Rect& r, uint64_t, int width, int height, const ImageFill& fill) {
  if (width <= 0 || height <= 0 || r.empty()) return;
  QImage img(width, height, QImage::Format_RGBA8888);
  fill(img.bits());
  painter_.save();
  painter_.setRenderHint(QPainter::SmoothPixmapTransform, false);
  painter_.drawImage(qrect(r), img);
  painter_.restore();
}

void PainterCanvas::push_clip(const views::Rect& r) {
  painter_.save();
  painter_.setClipRect(qrect(r), Qt::IntersectClip);
}

void PainterCanvas::pop_clip() { painter_.restore(); }

}  // namespace archscope::window
