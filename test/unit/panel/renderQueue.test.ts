import * as assert from 'node:assert/strict';
import { RenderQueue } from '../../../media/renderQueue';

interface Item {
  id: string;
  status: 'streaming' | 'done';
  text: string;
}

describe('panel: the render queue of the conversation view', () => {
  function harness() {
    const frames: (() => void)[] = [];
    const drawn: Item[] = [];
    const queue = new RenderQueue<Item>(
      (run) => frames.push(run),
      (item) => drawn.push(item),
    );
    const nextFrame = () => {
      for (const run of frames.splice(0)) run();
    };
    return { queue, drawn, frames, nextFrame };
  }

  it('draws the finished answer when it arrives in the same frame as the last words', () => {
    const { queue, drawn, nextFrame } = harness();
    queue.push({ id: 'a', status: 'streaming', text: 'It greets' });
    queue.push({ id: 'a', status: 'done', text: 'It greets people.' });
    nextFrame();
    assert.deepEqual(drawn, [{ id: 'a', status: 'done', text: 'It greets people.' }]);
  });

  it('draws each message once per frame, and again in a later frame', () => {
    const { queue, drawn, frames, nextFrame } = harness();
    queue.push({ id: 'a', status: 'streaming', text: '1' });
    queue.push({ id: 'b', status: 'done', text: 'x' });
    queue.push({ id: 'a', status: 'streaming', text: '12' });
    assert.equal(frames.length, 2, 'one frame request per message');
    nextFrame();
    assert.deepEqual(
      drawn.map((item) => `${item.id}:${item.text}`),
      ['a:12', 'b:x'],
    );
    queue.push({ id: 'a', status: 'done', text: '123' });
    nextFrame();
    assert.deepEqual(drawn.at(-1), { id: 'a', status: 'done', text: '123' });
    assert.equal(drawn.length, 3);
  });
});
