// How one seat looks. Each state differs in lightness as well as hue, and where a seat is
// big enough it carries a pattern too (held: stripes; sold: a cross; yours: a dot; selected:
// a frame), so the map never tells a state by colour alone. The colours are styles.css's.

const COLOURS = {
  free: '#d7efe0',
  freeEdge: '#2e7d4f',
  held: '#f2b33d',
  heldStripe: '#7a4b00',
  sold: '#3a3f45',
  mine: '#1f5fbf',
  selected: '#6b2fc9',
  mark: '#ffffff',
};

const RGB = {
  free: [215, 239, 224],
  held: [242, 179, 61],
  sold: [58, 63, 69],
  mine: [31, 95, 191],
  selected: [107, 47, 201],
};

/** One seat as one pixel (maps too dense for patterns). */
export function pixelColour(data, offset, look) {
  const [r, g, b] = RGB[look];
  data[offset] = r;
  data[offset + 1] = g;
  data[offset + 2] = b;
  data[offset + 3] = 255;
}

/** One seat as a cell of `size` canvas pixels at (x, y), with its pattern. */
export function paintCell(context, x, y, size, look) {
  const gap = size >= 12 ? 2 : 1;
  const inner = size - gap;
  context.clearRect(x, y, size, size);
  switch (look) {
    case 'free':
    case 'selected':
      context.fillStyle = COLOURS.free;
      context.fillRect(x, y, inner, inner);
      context.strokeStyle = COLOURS.freeEdge;
      context.lineWidth = 1;
      context.strokeRect(x + 0.5, y + 0.5, inner - 1, inner - 1);
      if (look === 'selected') {
        const frame = Math.max(2, Math.floor(size / 6));
        context.strokeStyle = COLOURS.selected;
        context.lineWidth = frame;
        context.strokeRect(x + frame / 2, y + frame / 2, inner - frame, inner - frame);
        tick(context, x, y, inner);
      }
      break;
    case 'held':
      context.fillStyle = COLOURS.held;
      context.fillRect(x, y, inner, inner);
      stripes(context, x, y, inner);
      break;
    case 'sold':
      context.fillStyle = COLOURS.sold;
      context.fillRect(x, y, inner, inner);
      cross(context, x, y, inner);
      break;
    case 'mine':
      context.fillStyle = COLOURS.mine;
      context.fillRect(x, y, inner, inner);
      context.fillStyle = COLOURS.mark;
      context.beginPath();
      context.arc(x + inner / 2, y + inner / 2, Math.max(1, inner / 5), 0, Math.PI * 2);
      context.fill();
      break;
  }
}

function stripes(context, x, y, inner) {
  context.save();
  context.beginPath();
  context.rect(x, y, inner, inner);
  context.clip();
  context.strokeStyle = COLOURS.heldStripe;
  context.lineWidth = Math.max(1, inner / 8);
  const step = Math.max(3, Math.floor(inner / 3));
  context.beginPath();
  for (let d = -inner; d < inner * 2; d += step) {
    context.moveTo(x + d, y + inner);
    context.lineTo(x + d + inner, y);
  }
  context.stroke();
  context.restore();
}

function cross(context, x, y, inner) {
  const pad = Math.max(1, inner / 5);
  context.strokeStyle = COLOURS.mark;
  context.lineWidth = Math.max(1, inner / 8);
  context.beginPath();
  context.moveTo(x + pad, y + pad);
  context.lineTo(x + inner - pad, y + inner - pad);
  context.moveTo(x + inner - pad, y + pad);
  context.lineTo(x + pad, y + inner - pad);
  context.stroke();
}

function tick(context, x, y, inner) {
  if (inner < 10) return;
  context.strokeStyle = COLOURS.selected;
  context.lineWidth = Math.max(1.5, inner / 9);
  context.beginPath();
  context.moveTo(x + inner * 0.28, y + inner * 0.52);
  context.lineTo(x + inner * 0.44, y + inner * 0.68);
  context.lineTo(x + inner * 0.74, y + inner * 0.34);
  context.stroke();
}
