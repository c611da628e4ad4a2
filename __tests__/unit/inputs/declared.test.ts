/**
 * src/inputs/declared.ts: the list of inputs matches action.yml, and which INPUT_ variables are a
 * typo of one of ours (an error) or merely unknown (a warning).
 */
import { describe, expect, test } from '@jest/globals'
import {
  checkInputNames,
  closestDeclared,
  DECLARED_INPUTS,
  editDistance,
  unknownInputs
} from '../../../src/inputs/declared.js'
import { actionInputs } from '../../../test-support/action-inputs.js'

describe('the declared inputs', () => {
  test('are exactly action.yml’s, in its order', () => {
    expect(DECLARED_INPUTS).toEqual(Object.keys(actionInputs()))
  })

  test('no two are close to each other, so a typo names one input', () => {
    for (const a of DECLARED_INPUTS) {
      const others = DECLARED_INPUTS.filter(b => b !== a && editDistance(a, b) <= 2)
      expect({ input: a, close: others }).toEqual({ input: a, close: [] })
    }
  })
})

describe('INPUT_ variables that are not ours', () => {
  test.each([
    ['role-to-asume', 'role-to-assume'],
    ['role-to-assmue', 'role-to-assume'],
    ['aws-regoin', 'aws-region'],
    ['aws_region', 'aws-region'],
    ['role_to_assume', 'role-to-assume'],
    ['roletoassume', 'role-to-assume'],
    ['aws-secret-acess-key', 'aws-secret-access-key'],
    ['audiance', 'audience'],
    ['custom-tag', 'custom-tags'],
    ['role-duration-second', 'role-duration-seconds']
  ])('%s is a typo of %s', (typo, meant) => {
    expect(closestDeclared(typo)).toBe(meant)
  })

  test.each(['foo', 'node-version', 'region', 'token', 'aws-role', 'debug'])(
    '%s is close to none',
    name => {
      expect(closestDeclared(name)).toBeUndefined()
    }
  )

  test('ours in any case are ours (the runner upper-cases names; Windows ignores case)', () => {
    expect(
      unknownInputs({
        'INPUT_ROLE-TO-ASSUME': 'x',
        'input_aws-region': 'us-east-1',
        'INPUT_Role-Session-Name': 'n',
        PATH: '/bin'
      })
    ).toEqual([])
  })

  test('a typo is an error naming it and the input meant, never its value', () => {
    const value = 'arn:aws:iam::111111111111:role/secret-looking'
    expect(() => checkInputNames({ 'INPUT_ROLE-TO-ASUME': value })).toThrow(
      "Input 'role-to-asume' is not an input of this action; did you mean 'role-to-assume'?"
    )
    try {
      checkInputNames({ 'INPUT_ROLE-TO-ASUME': value })
    } catch (error) {
      expect((error as Error).message).not.toContain(value)
    }
  })

  test('an unknown input far from ours is one warning each, its name quoted', () => {
    expect(
      checkInputNames({ INPUT_FOO: '1', 'INPUT_NODE-VERSION': '24', 'INPUT_X\nY': '2' })
    ).toEqual([
      `Input "foo" is not an input of this action and is ignored (the runner passed it on as an INPUT_ variable).`,
      `Input "node-version" is not an input of this action and is ignored (the runner passed it on as an INPUT_ variable).`,
      `Input "x\\ny" is not an input of this action and is ignored (the runner passed it on as an INPUT_ variable).`
    ])
  })

  test('a very long name costs no large table', () => {
    expect(editDistance('a'.repeat(100_000), 'a'.repeat(100_001))).toBe(Infinity)
    expect(closestDeclared('x'.repeat(100_000))).toBeUndefined()
  })
})
