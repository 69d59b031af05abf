import * as assert from 'node:assert/strict';
import { ModelError, type ModelErrorKind } from '../../../src/model';
import { openModelSettingsAction, setApiKeyAction } from '../../../src/model/errors';
import { actionLinks, summarizeFailure } from '../../../src/model/failureSummary';

function error(kind: ModelErrorKind, actions = [openModelSettingsAction]): ModelError {
  return new ModelError({ kind, message: `a ${kind} failure`, url: 'http://127.0.0.1:9/v1', actions });
}

describe('what the status bar says about a failed model request', () => {
  it('names a server that does not answer as a warning whose click finds a model', () => {
    const summary = summarizeFailure(error('unreachable'), 'suggestion');
    assert.equal(summary.text, 'no model server');
    assert.equal(summary.severity, 'warning');
    assert.equal(summary.primary.command, 'tandem.selectModel');
    assert.deepEqual(
      summary.actions.map((action) => action.command),
      ['tandem.selectModel', 'workbench.action.openSettings', 'tandem.showRequestLog'],
    );
  });

  it("puts the error's own fix first and lists each action once", () => {
    const summary = summarizeFailure(error('model-not-found', [openModelSettingsAction]), 'suggestion');
    assert.equal(summary.text, 'model not found');
    assert.equal(summary.severity, 'error');
    assert.equal(summary.primary, openModelSettingsAction);
    assert.deepEqual(
      summary.actions.map((action) => action.command),
      ['workbench.action.openSettings', 'tandem.selectModel', 'tandem.showRequestLog'],
    );
    const auth = summarizeFailure(error('auth', [setApiKeyAction, setApiKeyAction]), 'suggestion');
    assert.equal(auth.text, 'API key rejected');
    assert.deepEqual(
      auth.actions.map((action) => action.command),
      ['tandem.setApiKey', 'tandem.showRequestLog'],
    );
  });

  it('falls back to the feature name for causes without a name of their own', () => {
    assert.equal(summarizeFailure(error('malformed', []), 'next edit').text, 'next edit failed');
    assert.equal(summarizeFailure(error('server', []), 'suggestion').text, 'suggestion failed');
    assert.equal(summarizeFailure(error('request-timeout', []), 'suggestion').text, 'model timed out');
  });

  it('writes command links with their arguments encoded', () => {
    assert.equal(
      actionLinks([openModelSettingsAction, setApiKeyAction]),
      `[Open Settings](command:workbench.action.openSettings?${encodeURIComponent('["tandem.model"]')}) · ` +
        '[Set API Key](command:tandem.setApiKey)',
    );
  });
});
